/**
 * LineSplitter.pushRanges and the file follower's lineRanges handler deliver exactly the lines that
 * push() and the lines handler deliver, in the same order, with the same oversized counts.
 */
import { join } from 'node:path';
import { renameSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineBatch, LineSplitter } from '../../../src/logs/source/line-splitter.js';
import { collector, follow, sleep, tempDir, waitFor, Writer, range } from './follow-helpers.js';
import { rng } from '../../helpers/rng.js';
import { chunkLength, randomLines } from './random-input.js';


test('pushRanges gives the lines of push for random bytes in random chunks', () => {
  for (let round = 0; round < 80; round++) {
    const rand = rng(round + 101);
    const { max, data } = randomLines(rand, round);
    const a = new LineSplitter(max);
    const b = new LineSplitter(max);
    if (round % 5 === 0) {
      a.skipToNextLine();
      b.skipToNextLine();
    }
    const batch = new LineBatch();
    const want: string[] = [];
    const got: string[] = [];
    for (let i = 0; i < data.length; ) {
      const n = chunkLength(rand);
      const chunk = Buffer.from(data.subarray(i, i + n));
      want.push(...a.push(Buffer.from(chunk)));
      b.pushRanges(chunk, batch);
      got.push(...batch.toStrings());
      for (let k = 0; k < batch.count; k++) assert.is(batch.text(k), got[got.length - batch.count + k]);
      chunk.fill(0x0a);
      assert.is(b.pendingBytes, a.pendingBytes, `round ${round} pending`);
      i += n;
    }
    assert.equal(got, want, `round ${round}`);
    assert.is(b.takeOversized(), a.takeOversized(), `round ${round} oversized`);
    assert.is(b.flush(), a.flush(), `round ${round} flush`);
  }
});

test('a batch keeps ranges for lines inside the chunk and texts for the others', () => {
  const s = new LineSplitter(8);
  const batch = new LineBatch();
  s.pushRanges(Buffer.from('held'), batch);
  assert.is(batch.count, 0);
  s.pushRanges(Buffer.from(' over\nab\r\n0123456789\n\ntail'), batch);
  assert.equal(batch.toStrings(), ['held ove', 'ab', '01234567', '']);
  assert.ok(batch.ends[0]! < 0, 'a line begun in an earlier chunk is a text');
  assert.equal([batch.starts[1], batch.ends[1]], [6, 8]);
  assert.ok(batch.ends[2]! < 0, 'a cut line is a text');
  assert.equal([batch.starts[3], batch.ends[3]], [21, 21]);
  assert.is(s.takeOversized(), 2);
  assert.is(s.flush(), 'tail');
});

test('a batch grows past its initial capacity', () => {
  const s = new LineSplitter();
  const batch = new LineBatch();
  s.pushRanges(Buffer.from('x\n'.repeat(50_000)), batch);
  assert.is(batch.count, 50_000);
  assert.is(batch.text(49_999), 'x');
});

test('the follower calls lineRanges when the consumer has it, with the same lines, across a rotation', async () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'mail.log');
  const w = new Writer(path);
  w.write(100);
  const c = collector();
  let batches = 0;
  c.handlers.lineRanges = (batch) => {
    batches++;
    c.lines.push(...batch.toStrings());
  };
  const { src } = follow({ path, startAt: 'beginning', readChunkBytes: 4096 }, c);
  try {
    await src.start();
    await w.writeSlowly(900);
    renameSync(path, `${path}.1`);
    w.raw('last words');
    writeFileSync(path, '');
    w.reopen(path);
    w.write(500);
    const want = [...range(1, 1000), 'last words', ...range(1001, 1500)];
    await waitFor(() => c.lines.length >= want.length, 'all lines', 5000, () => `got ${c.lines.length}`);
    await sleep(100);
    assert.is(c.lines.length, want.length);
    assert.ok(c.lines.every((l, i) => l === want[i]), 'lines in order');
    assert.ok(batches > 10, `${batches} batches`);
    assert.equal(c.rotations, ['rename']);
  } finally {
    await src.stop();
    w.close();
    cleanup();
  }
});

test('a batch says whether its chunk is ASCII only (lines are then decoded as latin1)', () => {
  const splitter = new LineSplitter();
  const batch = new LineBatch();
  splitter.pushRanges(Buffer.from('plain line\nanother\n'), batch);
  assert.is(batch.ascii, true);
  splitter.pushRanges(Buffer.from('café ✓\nplain\n'), batch);
  assert.is(batch.ascii, false);
  splitter.pushRanges(Buffer.from([0x61, 0xff, 0x0a]), batch);
  assert.is(batch.ascii, false);
  assert.is(batch.text(0), 'a\ufffd');
});

test.run();
