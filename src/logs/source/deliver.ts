/** How a source hands what it read to its consumer: the lines of each chunk, then how many were cut for length. */
import type { LineBatch, LineSplitter } from './line-splitter.js';
import type { SourceHandlers } from './types.js';

const EMPTY = Buffer.alloc(0);

/**
 * The complete lines of `chunk`: as byte ranges in `batch` when the consumer takes them (so that
 * lines no parser wants are never decoded), as strings otherwise.
 */
export function deliverChunk(splitter: LineSplitter, chunk: Buffer, batch: LineBatch, handlers: SourceHandlers): void {
  if (handlers.lineRanges) {
    splitter.pushRanges(chunk, batch);
    if (batch.count > 0) handlers.lineRanges(batch);
    // the chunk's buffer may be reused by its reader
    batch.clear(EMPTY);
  } else {
    const lines = splitter.push(chunk);
    if (lines.length > 0) handlers.lines(lines);
  }
  deliverCut(splitter, handlers);
}

/** The unterminated last line, at the end of the input or of a file that is being left. */
export function deliverLast(splitter: LineSplitter, handlers: SourceHandlers): void {
  const last = splitter.flush();
  if (last !== null) handlers.lines([last]);
  deliverCut(splitter, handlers);
}

function deliverCut(splitter: LineSplitter, handlers: SourceHandlers): void {
  const cut = splitter.takeOversized();
  if (cut > 0) handlers.oversized(cut);
}
