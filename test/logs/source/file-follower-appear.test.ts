import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertExactly, follow, sleep, tempDir, waitFor, Writer, withFollowedFile } from './follow-helpers.js';

test('a file created after start is read from its first byte, even with startAt end', async () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'mail.log');
  const { src, c } = follow({ path, startAt: 'end' });
  let w: Writer | null = null;
  try {
    await src.start();
    await sleep(150);
    assert.equal(src.status(), { up: false, lagBytes: 0 });
    assert.equal(c.warnings, []);
    w = new Writer(path);
    await w.writeSlowly(500);
    await waitFor(() => c.lines.length >= 500, '500 lines', 3000, () => `got ${c.lines.length}`);
    assertExactly(c.lines, 1, 500);
    assert.equal(c.rotations, []);
    assert.is(src.status().up, true);
  } finally {
    await src.stop();
    w?.close();
    cleanup();
  }
});

test('a file in a directory that does not exist yet is waited for (no watch possible)', async () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'later', 'mail.log');
  const { src, c } = follow({ path, startAt: 'beginning' });
  let w: Writer | null = null;
  try {
    await src.start();
    await sleep(100);
    assert.is(src.status().up, false);
    mkdirSync(join(dir, 'later'));
    w = new Writer(path);
    await w.writeSlowly(300);
    await waitFor(() => c.lines.length >= 300, '300 lines', 3000, () => `got ${c.lines.length}`);
    assertExactly(c.lines, 1, 300);
    assert.equal(c.warnings, []);
  } finally {
    await src.stop();
    w?.close();
    cleanup();
  }
});

for (const writerKeepsWriting of [false, true]) {
  test(`delete and re-create is reported as recreate and loses nothing (writer keeps the deleted file: ${writerKeepsWriting})`, async () => {
    await withFollowedFile({ startAt: 'beginning' }, async ({ path, w, src, c }) => {
      await w.writeSlowly(400);
      unlinkSync(path);
      if (writerKeepsWriting) await w.writeSlowly(200, 20, 5);
      await waitFor(() => !src.status().up, 'the deleted file to be closed', 3000);
      assert.ok(!existsSync(path));
      const before = writerKeepsWriting ? 600 : 400;
      assertExactly(c.lines, 1, before, 'before re-create');
      w.reopen(path);
      await w.writeSlowly(400);
      await waitFor(() => c.lines.length >= before + 400, 'all lines', 3000, () => `got ${c.lines.length}`);
      await sleep(100);
      assertExactly(c.lines, 1, before + 400);
      assert.equal(c.rotations, ['recreate']);
      assert.is(src.status().up, true);
    });
  });
}

test('delete and immediate re-create while the follower is behind', async () => {
  await withFollowedFile({ startAt: 'beginning', watch: false, pollMs: 150 }, async ({ path, w, c }) => {
    w.write(700);
    unlinkSync(path);
    w.reopen(path);
    w.write(300);
    await waitFor(() => c.lines.length >= 1000, '1000 lines', 3000, () => `got ${c.lines.length}`);
    await sleep(100);
    assertExactly(c.lines, 1, 1000);
    assert.equal(c.rotations, ['recreate']);
  });
});

test.run();
