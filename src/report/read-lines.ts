/** Streams the lines of a plain or gzip-compressed file (or a readable stream) in batches. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LineSplitter } from '../logs/source/line-splitter.js';

export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export async function openLogStream(path: string): Promise<Readable> {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return (await isGzip(path)) ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
}

/** Calls `onLines` for each batch of complete lines; returns how many lines were cut for length. */
export async function forEachLineBatch(stream: Readable, onLines: (lines: string[]) => void): Promise<number> {
  const splitter = new LineSplitter();
  let oversized = 0;
  for await (const chunk of stream) {
    const lines = splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    oversized += splitter.takeOversized();
    if (lines.length > 0) onLines(lines);
  }
  const last = splitter.flush();
  oversized += splitter.takeOversized();
  if (last !== null) onLines([last]);
  return oversized;
}
