/** Streams the lines of a plain or gzip-compressed file (or a readable stream) in batches of byte ranges. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LineBatch, LineSplitter } from '../logs/source/line-splitter.js';

const CHUNK_BYTES = 1 << 20;

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

/**
 * Calls `onBatch` for each chunk's complete lines as byte ranges (see LineBatch; a batch is only valid
 * during the call); returns how many lines were cut for length.
 */
export async function forEachLineRanges(stream: Readable, onBatch: (batch: LineBatch) => void): Promise<number> {
  const splitter = new LineSplitter();
  const batch = new LineBatch();
  let oversized = 0;
  for await (const chunk of stream) {
    splitter.pushRanges(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer), batch);
    oversized += splitter.takeOversized();
    if (batch.count > 0) onBatch(batch);
  }
  return oversized + finish(splitter, batch, onBatch);
}

/**
 * forEachLineRanges for a file: a plain file is read in place into two reused buffers (the next chunk
 * is read while this one is handled); a gzip file is streamed through gunzip.
 */
export async function forEachFileLineRanges(path: string, onBatch: (batch: LineBatch) => void): Promise<number> {
  if (await isGzip(path)) return forEachLineRanges(await openLogStream(path), onBatch);
  const fh = await open(path, 'r');
  try {
    const splitter = new LineSplitter();
    const batch = new LineBatch();
    let oversized = 0;
    let a = Buffer.allocUnsafe(CHUNK_BYTES);
    let b = Buffer.allocUnsafe(CHUNK_BYTES);
    let pos = 0;
    let next: Promise<{ bytesRead: number }> | null = fh.read(a, 0, CHUNK_BYTES, pos);
    try {
      while (next !== null) {
        const { bytesRead } = await next;
        next = null;
        if (bytesRead === 0) break;
        pos += bytesRead;
        next = fh.read(b, 0, CHUNK_BYTES, pos);
        splitter.pushRanges(a.subarray(0, bytesRead), batch);
        oversized += splitter.takeOversized();
        if (batch.count > 0) onBatch(batch);
        batch.clear(EMPTY);
        [a, b] = [b, a];
      }
    } finally {
      if (next !== null) await next.catch(() => undefined);
    }
    return oversized + finish(splitter, batch, onBatch);
  } finally {
    await fh.close();
  }
}

const EMPTY = Buffer.alloc(0);

/** Delivers the unterminated last line, if any; returns the oversized lines it added. */
function finish(splitter: LineSplitter, batch: LineBatch, onBatch: (batch: LineBatch) => void): number {
  const last = splitter.flush();
  const oversized = splitter.takeOversized();
  if (last !== null) {
    batch.clear(EMPTY);
    batch.addText(last);
    onBatch(batch);
  }
  return oversized;
}
