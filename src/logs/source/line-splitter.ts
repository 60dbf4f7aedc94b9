/**
 * Turns a stream of byte chunks into complete lines. The unterminated tail of a chunk is held until
 * its newline arrives. A line longer than `maxLineBytes` (after removing a trailing `\r`) is delivered
 * cut to that many bytes (on a UTF-8 character boundary) once its newline is seen and is counted as
 * oversized; the part beyond the limit is skipped as it streams in, never buffered. Bytes that are not
 * valid UTF-8 become U+FFFD.
 */

import { isAscii } from 'node:buffer';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/**
 * The complete lines of one chunk without decoding them: line `i` is `buf[starts[i], ends[i])`, or,
 * when `ends[i]` is negative, the string `texts[-1 - ends[i]]` (a line that began in an earlier chunk,
 * or one cut to the length limit). Line terminators (`\n`, and a `\r` before it) are not included.
 * Valid until the next push into the same batch; `buf` may be reused by its owner afterwards.
 */
export class LineBatch {
  buf: Buffer = Buffer.alloc(0);
  /** Every byte of `buf` is ASCII, so that latin1 decodes its lines as UTF-8 would, only faster. */
  ascii = true;
  count = 0;
  starts: Int32Array = new Int32Array(8192);
  ends: Int32Array = new Int32Array(8192);
  texts: string[] = [];

  clear(buf: Buffer): void {
    this.buf = buf;
    this.ascii = buf.length === 0 || isAscii(buf);
    this.count = 0;
    if (this.texts.length > 0) this.texts = [];
  }

  addRange(start: number, end: number): void {
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  addText(text: string): void {
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = 0;
    this.ends[this.count] = -1 - this.texts.length;
    this.texts.push(text);
    this.count++;
  }

  /** Line `i` as a string (decoding it when it is a range). */
  text(i: number): string {
    const e = this.ends[i]!;
    return e < 0 ? this.texts[-1 - e]! : this.buf.toString('utf8', this.starts[i]!, e);
  }

  /** All lines as strings. */
  toStrings(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.text(i));
    return out;
  }

  private grow(): void {
    const starts = new Int32Array(this.starts.length * 2);
    const ends = new Int32Array(this.ends.length * 2);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }
}

const NL = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  readonly maxLineBytes: number;
  /** Start of the current unterminated line, up to maxLineBytes + 1 bytes (room for a trailing `\r`). */
  private held: Buffer | null = null;
  private heldLen = 0;
  /** Bytes of the current line that did not fit in `held`. */
  private overflow = 0;
  /** Bytes thrown away while looking for the end of a line that is not delivered at all. */
  private discarding = false;
  private discarded = 0;
  private oversizedCount = 0;

  constructor(maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    this.maxLineBytes = maxLineBytes;
  }

  /** Bytes consumed by push() that are not part of a returned line yet. */
  get pendingBytes(): number {
    return this.heldLen + this.overflow + this.discarded;
  }

  /** Bytes kept in memory for the current unterminated line (never more than maxLineBytes + 1). */
  get bufferedBytes(): number {
    return this.heldLen;
  }

  /** Oversized lines returned since the last call. */
  takeOversized(): number {
    const n = this.oversizedCount;
    this.oversizedCount = 0;
    return n;
  }

  /** Throws away everything up to and including the next newline (used when starting mid-line). */
  skipToNextLine(): void {
    this.reset();
    this.discarding = true;
  }

  reset(): void {
    this.heldLen = 0;
    this.overflow = 0;
    this.discarding = false;
    this.discarded = 0;
  }

  /**
   * The complete lines ending in `chunk`. The caller may reuse `chunk` afterwards. Each line is decoded
   * on its own: as fast as decoding the chunk and splitting the string, and a line kept by a consumer
   * does not keep the whole chunk's text alive.
   */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    const n = chunk.length;
    const max = this.maxLineBytes;
    let s = 0;
    if (this.discarding) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.discarded += n;
        return out;
      }
      this.discarding = false;
      this.discarded = 0;
      s = nl + 1;
    } else if (this.heldLen > 0 || this.overflow > 0) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.hold(chunk, 0, n);
        return out;
      }
      this.hold(chunk, 0, nl);
      out.push(this.takeHeld());
      s = nl + 1;
    }
    while (s < n) {
      const nl = chunk.indexOf(NL, s);
      if (nl === -1) {
        this.hold(chunk, s, n);
        break;
      }
      let e = nl;
      if (e > s && chunk[e - 1] === CR) e--;
      if (e - s > max) {
        out.push(decodeCut(chunk, s, s + max));
        this.oversizedCount++;
      } else {
        out.push(chunk.toString('utf8', s, e));
      }
      s = nl + 1;
    }
    return out;
  }

  /**
   * The same lines as push(chunk), as ranges of `chunk` where possible (see LineBatch), written into
   * `batch` (which is cleared first). Lines within the limit that lie wholly inside the chunk are not
   * decoded at all.
   */
  pushRanges(chunk: Buffer, batch: LineBatch): void {
    batch.clear(chunk);
    const n = chunk.length;
    const max = this.maxLineBytes;
    let s = 0;
    if (this.discarding) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.discarded += n;
        return;
      }
      this.discarding = false;
      this.discarded = 0;
      s = nl + 1;
    } else if (this.heldLen > 0 || this.overflow > 0) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.hold(chunk, 0, n);
        return;
      }
      this.hold(chunk, 0, nl);
      batch.addText(this.takeHeld());
      s = nl + 1;
    }
    while (s < n) {
      const nl = chunk.indexOf(NL, s);
      if (nl === -1) {
        this.hold(chunk, s, n);
        break;
      }
      let e = nl;
      if (e > s && chunk[e - 1] === CR) e--;
      if (e - s > max) {
        batch.addText(decodeCut(chunk, s, s + max));
        this.oversizedCount++;
      } else {
        batch.addRange(s, e);
      }
      s = nl + 1;
    }
  }

  /** Ends the current unterminated line, if any, and returns it. */
  flush(): string | null {
    if (this.discarding) {
      this.reset();
      return null;
    }
    if (this.heldLen === 0 && this.overflow === 0) return null;
    return this.takeHeld();
  }

  private hold(chunk: Buffer, start: number, end: number): void {
    const cap = this.maxLineBytes + 1;
    if (this.held === null) this.held = Buffer.allocUnsafe(cap);
    const room = cap - this.heldLen;
    const take = Math.min(room, end - start);
    if (take > 0) {
      chunk.copy(this.held, this.heldLen, start, start + take);
      this.heldLen += take;
    }
    this.overflow += end - start - take;
  }

  private takeHeld(): string {
    const held = this.held!;
    let len = this.heldLen;
    const over = this.overflow > 0;
    this.heldLen = 0;
    this.overflow = 0;
    if (!over && len > 0 && held[len - 1] === CR) len--;
    if (over || len > this.maxLineBytes) {
      this.oversizedCount++;
      return decodeCut(held, 0, this.maxLineBytes);
    }
    return held.toString('utf8', 0, len);
  }
}

/** Decodes buf[start, end) after moving `end` back so that it does not split a UTF-8 sequence. */
function decodeCut(buf: Buffer, start: number, end: number): string {
  let e = end;
  const floor = Math.max(start, end - 3);
  while (e > floor && e < buf.length && (buf[e]! & 0xc0) === 0x80) e--;
  return buf.toString('utf8', start, e);
}
