/**
 * The stream source (stdin) hands a consumer that takes byte ranges the same lines, the same cut
 * count and the same last line as one that takes strings, whatever the chunks.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { createStreamSource } from '../../../src/logs/source/stream-source.js';
import type { LineBatch } from '../../../src/logs/source/line-splitter.js';
import type { SourceHandlers } from '../../../src/logs/source/types.js';
import { rng } from '../../helpers/rng.js';
import { chunkLength, randomLines } from './random-input.js';

interface Seen {
  lines: string[];
  oversized: number;
  rangeCalls: number;
}

async function readThrough(chunks: Buffer[], max: number, ranges: boolean): Promise<Seen> {
  const seen: Seen = { lines: [], oversized: 0, rangeCalls: 0 };
  const handlers: SourceHandlers = {
    lines: (lines) => seen.lines.push(...lines),
    rotation: () => undefined,
    oversized: (n) => (seen.oversized += n),
    warn: () => undefined,
  };
  if (ranges) {
    handlers.lineRanges = (batch: LineBatch) => {
      seen.rangeCalls++;
      seen.lines.push(...batch.toStrings());
    };
  }
  const stream = new PassThrough();
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const source = createStreamSource({ id: 'stdin', stream, handlers, maxLineBytes: max, onEnd: () => ended() });
  await source.start();
  for (const c of chunks) stream.write(c);
  stream.end();
  await done;
  await source.stop();
  return seen;
}

test('byte ranges and strings: the same lines, cut count and last line over random chunks', async () => {
  const rand = rng(5);
  let rangeCalls = 0;
  for (let round = 0; round < 60; round++) {
    const { max, data } = randomLines(rand, round);
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; ) {
      const len = chunkLength(rand);
      chunks.push(data.subarray(at, at + len));
      at += len;
    }
    const asStrings = await readThrough(chunks, max, false);
    const asRanges = await readThrough(chunks, max, true);
    assert.equal(asRanges.lines, asStrings.lines, `round ${round}`);
    assert.is(asRanges.oversized, asStrings.oversized, `round ${round}`);
    rangeCalls += asRanges.rangeCalls;
  }
  assert.ok(rangeCalls > 100, 'the byte ranges were not used');
});

test.run();
