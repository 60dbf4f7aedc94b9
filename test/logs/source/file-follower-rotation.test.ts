import { copyFileSync, ftruncateSync, openSync, closeSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertExactly, range, sleep, waitFor, withFollowedFile } from './follow-helpers.js';

for (const watch of [true, false]) {
  test(`rename rotation while the writer keeps appending to the old file (watch ${watch})`, async () => {
    await withFollowedFile({ startAt: 'beginning', watch, before: (w) => w.write(100) }, async ({ path, w, src, c }) => {
      await w.writeSlowly(900);
      renameSync(path, `${path}.1`);
      // logrotate `create`: the new file exists at once, but the daemon writes to the old one until HUP
      writeFileSync(path, '');
      await w.writeSlowly(600, 20, 5);
      w.reopen(path);
      await w.writeSlowly(1400);
      await waitFor(() => c.lines.length >= 3000, '3000 lines', 5000, () => `got ${c.lines.length}`);
      await sleep(100);
      assertExactly(c.lines, 1, 3000);
      assert.equal(c.rotations, ['rename']);
      assert.equal(c.warnings, []);
      assert.is(src.status().up, true);
      assert.is(src.status().lagBytes, 0);
    });
  });
}

test('rename rotation: the new file is created only after the writer stopped using the old one', async () => {
  await withFollowedFile({ startAt: 'beginning' }, async ({ path, w, src, c }) => {
    await w.writeSlowly(500);
    renameSync(path, `${path}-20261123`);
    await w.writeSlowly(300);
    // an unterminated last line in the old file is delivered when the old file is finished
    w.raw('last words');
    await sleep(400);
    assert.is(src.status().up, true, 'the old file is still open while nothing replaced it');
    w.reopen(path);
    w.write(200);
    w.next = 801;
    const want = [...range(1, 800), 'last words', ...range(801, 1000)];
    await waitFor(() => c.lines.length >= want.length, 'all lines', 5000, () => `got ${c.lines.length}`);
    assert.equal(c.lines.length, want.length);
    assert.ok(c.lines.every((l, i) => l === want[i]), 'lines in order');
    assert.equal(c.rotations, ['rename']);
  });
});

test('copytruncate: lines not read before the truncation come from the copy', async () => {
  await withFollowedFile({ startAt: 'beginning', watch: false, pollMs: 150 }, async ({ path, w, c }) => {
    for (let round = 0; round < 3; round++) {
      await w.writeSlowly(400);
      // written right before the copy, most likely not read yet
      w.write(300);
      copyFileSync(path, `${path}.1`);
      truncateSync(path, 0);
      await w.writeSlowly(100);
      await waitFor(() => c.rotations.length === round + 1, `rotation ${round + 1}`, 5000, () => `rotations ${c.rotations}`);
    }
    await w.writeSlowly(200);
    await waitFor(() => c.lines.length >= 2600, '2600 lines', 5000, () => `got ${c.lines.length}`);
    await sleep(100);
    assertExactly(c.lines, 1, 2600);
    assert.equal(c.rotations, ['truncate', 'truncate', 'truncate']);
  });
});

test('truncation without a copy restarts at 0 and delivers the partial line first', async () => {
  await withFollowedFile({ startAt: 'beginning', watch: false }, async ({ path, w, c }) => {
    w.write(50);
    w.raw('half a line');
    await waitFor(() => c.lines.length === 50, '50 lines');
    await sleep(100);
    truncateSync(path, 0);
    w.next = 51;
    w.write(10);
    await waitFor(() => c.lines.length === 61, '61 lines', 3000, () => `got ${c.lines.length}`);
    assert.equal(c.lines.slice(0, 50), range(1, 50));
    assert.is(c.lines[50], 'half a line');
    assert.equal(c.lines.slice(51), range(51, 60));
    assert.equal(c.rotations, ['truncate']);
  });
});

test('truncate and grow past the old offset between two polls is noticed by the first bytes', async () => {
  await withFollowedFile({ startAt: 'beginning', watch: false, pollMs: 400, before: (w) => w.write(20) }, async ({ path, w, c }) => {
    await waitFor(() => c.lines.length === 20, '20 lines');
    // all within one poll interval: the file ends up larger than what was read
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, 0);
    closeSync(fd);
    w.write(500);
    await waitFor(() => c.lines.length >= 520, '520 lines', 3000, () => `got ${c.lines.length}`);
    await sleep(450);
    assertExactly(c.lines, 1, 520);
    assert.equal(c.rotations, ['truncate']);
  });
});

test.run();
