import { renameSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertExactly, range, sleep, waitFor, withFollowedFile, type Writer } from './follow-helpers.js';

test('a partial last line is held until its newline arrives', async () => {
  await withFollowedFile({ startAt: 'beginning' }, async ({ w, c }) => {
    w.write(3);
    w.raw('Nov 23 10:00:01 mx1 postfix/smtpd[1]: half');
    await waitFor(() => c.lines.length === 3, '3 lines');
    await sleep(200);
    assert.is(c.lines.length, 3, 'the partial line is not delivered');
    w.raw(' and the rest\r\nnext\r\n');
    await waitFor(() => c.lines.length === 5, '5 lines');
    assert.equal(c.lines.slice(3), ['Nov 23 10:00:01 mx1 postfix/smtpd[1]: half and the rest', 'next']);
  });
});

test('a 5 MB line is cut to maxLineBytes, counted as oversized, and the lines around it survive', async () => {
  await withFollowedFile({ startAt: 'beginning', maxLineBytes: 64 * 1024 }, async ({ w, c }) => {
    w.write(10);
    const piece = Buffer.alloc(256 * 1024, 'y');
    piece[0] = 0x78;
    for (let i = 0; i < 20; i++) {
      w.raw(piece);
      if (i % 5 === 0) await sleep(20);
    }
    w.raw('\n');
    w.next = 11;
    w.write(10);
    await waitFor(() => c.lines.length === 21, '21 lines', 3000, () => `got ${c.lines.length}`);
    assert.equal(c.lines.slice(0, 10), range(1, 10));
    assert.is(c.lines[10]!.length, 64 * 1024);
    assert.is(c.lines[10], `x${'y'.repeat(64 * 1024 - 1)}`);
    assert.equal(c.lines.slice(11), range(11, 20));
    assert.is(c.oversized, 1);
  });
});

test('invalid UTF-8 and random garbage never throw; every newline ends a line', async () => {
  await withFollowedFile({ startAt: 'beginning', maxLineBytes: 1000 }, async ({ w, c }) => {
    w.raw(Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0xc3, 0x28, 0x0a, 0xe2, 0x82, 0x0a]));
    let seed = 12345;
    const garbage = Buffer.alloc(300_000);
    for (let i = 0; i < garbage.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      garbage[i] = seed >> 16;
    }
    let newlines = 0;
    for (const byte of garbage) if (byte === 0x0a) newlines++;
    for (let i = 0; i < garbage.length; i += 7777) w.raw(garbage.subarray(i, i + 7777));
    w.raw('\nend\n');
    const total = 3 + newlines + 2;
    await waitFor(() => c.lines.length >= total, `${total} lines`, 3000, () => `got ${c.lines.length}`);
    await sleep(100);
    assert.is(c.lines.length, total);
    assert.equal(c.lines.slice(0, 3), ['\ufffd\ufffdA', '\ufffd(', '\ufffd']);
    assert.is(c.lines[c.lines.length - 1], 'end');
    assert.equal(c.warnings, []);
  });
});

test('startAt end skips existing lines but keeps an unterminated last line whole', async () => {
  const before = (w: Writer): void => writeFileSync(w.path, `${range(1, 100).join('\n')}\nstarted before`);
  await withFollowedFile({ startAt: 'end', before }, async ({ w, c }) => {
    w.raw(' and finished after\n');
    w.next = 101;
    w.write(50);
    await waitFor(() => c.lines.length >= 51, '51 lines');
    await sleep(100);
    assert.is(c.lines[0], 'started before and finished after');
    assertExactly(c.lines.slice(1), 101, 150);
  });
});

test('during a rotation the lag counts the new file; stop closes everything and reports up false', async () => {
  // a grace period longer than the test keeps the old file open and the new one unread
  await withFollowedFile({ startAt: 'beginning', rotateGraceMs: 60_000, before: (w) => w.write(50) }, async ({ path, w, src, c }) => {
    await waitFor(() => c.lines.length === 50, '50 lines');
    renameSync(path, `${path}.1`);
    w.reopen(path);
    w.write(100);
    const newSize = statSync(path).size;
    await waitFor(() => src.status().lagBytes === newSize, 'lag to be the new file size', 3000, () => JSON.stringify(src.status()));
    assert.is(src.status().up, true);
    assert.is(c.lines.length, 50);
    const pos = src.position() as { offset: number; ino: string };
    await src.stop();
    assert.equal(src.status(), { up: false, lagBytes: 0 });
    assert.equal(src.position(), pos, 'stop does not move the position');
    assert.is(pos.offset, statSync(`${path}.1`).size);
    assert.is(pos.ino, String(statSync(`${path}.1`).ino));
  });
});

test.run();
