/**
 * Follows one log file across rotations without losing or repeating lines.
 *
 * The file is read by byte offset from an open descriptor, in large chunks. Polling drives the
 * reading; fs.watch on the directory only wakes the poller early and may be missing altogether.
 *
 * Rotation handling:
 * - rename (logrotate `create`, rsyslog): the descriptor of the old file stays open and is read until
 *   the old file has been quiet for `rotateGraceMs` and a new file exists at the path, because writers
 *   keep appending to the old inode until they reopen (rsyslog until HUP). Its unterminated last line
 *   is delivered, then the new file is read from byte 0.
 * - copytruncate: the file shrinks below the read offset, or its first bytes change. Whatever was not
 *   read before the truncation is taken from the copy next to it (a rotated name with the same first
 *   bytes and at least the read size), then the file is read again from 0. Without such a copy, that
 *   part is gone.
 * - delete: the open descriptor is read until quiet, then closed; a file appearing at the path later
 *   is read from 0.
 *
 * Restart: a saved position names the file by device and inode plus a fingerprint of its first bytes.
 * If the file at the path is still that file, reading resumes at the offset; if the file now lives
 * under a rotated name next to the path, that one is finished first (as a rename rotation); otherwise
 * the file at the path is read from 0.
 */
import { fstatSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { errorMessage } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { closeQuietly, fstatBig, readAt, statBig } from './fs-async.js';
import { FINGERPRINT_BYTES, fingerprintOf, noFilePosition, parsePosition, type FilePosition } from './file-position.js';
import { deliverChunk, deliverLast } from './deliver.js';
import { DEFAULT_MAX_LINE_BYTES, LineBatch } from './line-splitter.js';
import { findRotated, openTail, sameStart, type RotatedQuery, type Tail } from './tail-file.js';
import type { LineSource, RotationKind, SourceHandlers, SourceStatus } from './types.js';

export interface FileFollowerOptions {
  path: string;
  /** Where to begin when there is no saved position and the file exists at start. */
  startAt: 'end' | 'beginning';
  /** A value previously returned by position(). */
  saved?: unknown;
  handlers: SourceHandlers;
  pollMs?: number;
  maxLineBytes?: number;
  /** How long a rotated-away file must stay unchanged before it is closed. */
  rotateGraceMs?: number;
  /** Use fs.watch to notice changes before the next poll (default true). */
  watch?: boolean;
  /** Bytes per read (default 1 MiB); two such buffers are allocated. */
  readChunkBytes?: number;
  logger?: Logger;
}

export const DEFAULT_POLL_MS = 250;
export const DEFAULT_ROTATE_GRACE_MS = 1000;
export const DEFAULT_READ_CHUNK_BYTES = 1024 * 1024;

export function createFileFollower(opts: FileFollowerOptions): LineSource {
  return new FileFollower(opts);
}

class FileFollower implements LineSource {
  readonly id: string;
  private readonly path: string;
  private readonly dir: string;
  private readonly base: string;
  private readonly handlers: SourceHandlers;
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly minGapMs: number;
  private readonly graceMs: number;
  private readonly maxLineBytes: number;
  private readonly chunkBytes: number;
  private buffers: [Buffer, Buffer] | null = null;
  /** Reused for every chunk when the consumer takes byte ranges. */
  private readonly batch = new LineBatch();
  private readonly saved: FilePosition | null;

  private tail: Tail | null = null;
  /** Reported when the next file appears at the path. */
  private nextKind: RotationKind | null = null;
  private started = false;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private watcher: FSWatcher | null = null;
  private wakeRequested = false;
  private wakeSleep: (() => void) | null = null;
  private lastWarn: string | null = null;
  private warnedThisTick = false;

  constructor(private readonly opts: FileFollowerOptions) {
    this.path = opts.path;
    this.dir = dirname(opts.path);
    this.base = basename(opts.path);
    this.id = `file:${opts.path}`;
    this.handlers = opts.handlers;
    this.log = (opts.logger ?? silentLogger).child({ source: opts.path });
    this.pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
    this.minGapMs = Math.min(20, this.pollMs);
    this.graceMs = opts.rotateGraceMs ?? DEFAULT_ROTATE_GRACE_MS;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.chunkBytes = opts.readChunkBytes ?? DEFAULT_READ_CHUNK_BYTES;
    if (!Number.isInteger(this.maxLineBytes) || this.maxLineBytes < 1) throw new RangeError('maxLineBytes must be a positive integer');
    if (!Number.isInteger(this.chunkBytes) || this.chunkBytes < 1) throw new RangeError('readChunkBytes must be a positive integer');
    this.saved = this.acceptSaved(opts.saved);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.buffers = [Buffer.allocUnsafe(this.chunkBytes), Buffer.allocUnsafe(this.chunkBytes)];
    try {
      if (this.saved) await this.resume(this.saved);
      else await this.openAtStart();
    } catch (err) {
      this.warn(`cannot open ${this.path}`, err);
    }
    if (this.stopped) {
      // stop() was called while opening and found nothing to close
      const t = this.tail;
      if (t && t.fd >= 0) {
        const fd = t.fd;
        t.fd = -1;
        await closeQuietly(fd);
      }
      return;
    }
    this.startWatch();
    this.loop = this.run();
  }

  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
    this.wakeSleep?.();
    this.stopping = (async () => {
      await this.loop;
      const t = this.tail;
      if (t && t.fd >= 0) {
        const fd = t.fd;
        t.fd = -1;
        await closeQuietly(fd);
      }
    })();
    return this.stopping;
  }

  position(): FilePosition {
    const t = this.tail;
    if (!t) return !this.started && this.saved ? this.saved : noFilePosition(this.path);
    if (t.headHash === null) t.headHash = fingerprintOf(t.head, t.headLen);
    return {
      v: 1,
      path: this.path,
      file: t.file,
      dev: String(t.dev),
      ino: String(t.ino),
      offset: t.readOffset - t.splitter.pendingBytes,
      fingerprint: t.headHash,
      fingerprintBytes: t.headLen,
    };
  }

  status(): SourceStatus {
    const t = this.tail;
    try {
      if (!t || t.fd < 0) {
        const st = this.stopped ? undefined : statSync(this.path, { throwIfNoEntry: false });
        return { up: false, lagBytes: st?.isFile() ? st.size : 0 };
      }
      let lag = Math.max(0, fstatSync(t.fd).size - t.readOffset);
      if (t.detachedAt !== null) {
        const st = statSync(this.path, { bigint: true, throwIfNoEntry: false });
        if (st && (st.dev !== t.dev || st.ino !== t.ino)) lag += Number(st.size);
      }
      return { up: true, lagBytes: lag };
    } catch {
      return { up: t !== null && t.fd >= 0, lagBytes: 0 };
    }
  }

  private acceptSaved(saved: unknown): FilePosition | null {
    if (saved === undefined || saved === null) return null;
    const pos = parsePosition(saved);
    if (!pos) {
      this.handlers.warn(`ignoring saved position for ${this.path}: not a file position`);
      return null;
    }
    if (pos.path !== this.path) {
      this.handlers.warn(`ignoring saved position for ${this.path}: it was saved for ${pos.path}`);
      return null;
    }
    return pos;
  }

  // ---- opening ----

  private async openAtStart(): Promise<void> {
    const t = await this.openTail(this.path);
    if (!t) {
      this.log.info('waiting for the log file to appear');
      return;
    }
    if (this.opts.startAt === 'end') await this.seekToLastLine(t);
    this.tail = t;
  }

  /** Starts at the beginning of the last (possibly unterminated) line. */
  private async seekToLastLine(t: Tail): Promise<void> {
    const size = t.sizeAtOpen;
    if (size === 0) return;
    const n = Math.min(size, this.maxLineBytes + 2);
    const buf = Buffer.allocUnsafe(n);
    const got = await readAt(t.fd, buf, n, size - n);
    const nl = buf.subarray(0, got).lastIndexOf(0x0a);
    if (nl >= 0) {
      t.readOffset = size - n + nl + 1;
    } else {
      t.readOffset = size;
      t.splitter.skipToNextLine();
    }
  }

  private async resume(saved: FilePosition): Promise<void> {
    const cur = await this.openTail(this.path);
    if (saved.dev === null || saved.ino === null) {
      this.tail = cur;
      return;
    }
    const now = Date.now();
    if (cur && String(cur.dev) === saved.dev && String(cur.ino) === saved.ino) {
      if (cur.sizeAtOpen >= saved.offset && sameStart(cur, saved.fingerprint, saved.fingerprintBytes)) {
        cur.readOffset = saved.offset;
        this.tail = cur;
        return;
      }
      const copy = await this.findRotated({
        fingerprint: saved.fingerprint,
        fingerprintBytes: saved.fingerprintBytes,
        minSize: saved.offset,
        exclude: cur,
      });
      if (copy) {
        await closeQuietly(cur.fd);
        copy.readOffset = saved.offset;
        copy.copy = true;
        copy.detachedAt = now;
        copy.lastGrowth = 0;
        this.tail = copy;
        this.log.info('file was truncated while stopped; finishing its copy first', { copy: copy.file });
        return;
      }
      this.log.info('file was truncated while stopped; reading it from the start');
      this.tail = cur;
      this.rotation('truncate');
      return;
    }
    const old = await this.findRotated({
      dev: saved.dev,
      ino: saved.ino,
      fingerprint: saved.fingerprint,
      fingerprintBytes: saved.fingerprintBytes,
      minSize: saved.offset,
    });
    if (old) {
      if (cur) await closeQuietly(cur.fd);
      old.readOffset = saved.offset;
      old.detachedAt = now;
      old.lastGrowth = now;
      this.tail = old;
      this.log.info('file was rotated while stopped; finishing the rotated file first', { rotated: old.file });
      return;
    }
    this.log.info('saved file is gone; reading the current file from the start');
    this.tail = cur;
  }

  /** Opens `file` at offset 0 and reads its first bytes; null when it is missing or unusable. */
  private openTail(file: string): Promise<Tail | null> {
    return openTail(file, this.maxLineBytes, (message, err) => this.warn(message, err));
  }

  /** A file next to the path with a rotated name that matches `q`, opened; newest first. */
  private findRotated(q: RotatedQuery): Promise<Tail | null> {
    return findRotated(this.dir, this.base, q, (file) => this.openTail(file));
  }

  // ---- polling ----

  private startWatch(): void {
    if (this.opts.watch === false) return;
    try {
      const w = watch(this.dir, { persistent: false }, (_event, name) => {
        if (name === null || String(name).startsWith(this.base)) this.wake();
      });
      w.on('error', (err) => {
        this.log.debug('directory watch failed; polling only', { error: errorMessage(err) });
        w.close();
        if (this.watcher === w) this.watcher = null;
      });
      this.watcher = w;
    } catch (err) {
      this.log.debug('directory watch unavailable; polling only', { error: errorMessage(err) });
    }
  }

  private wake(): void {
    this.wakeRequested = true;
    this.wakeSleep?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeSleep = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }

  private async run(): Promise<void> {
    let lastTick = 0;
    while (!this.stopped) {
      const since = Date.now() - lastTick;
      if (since < this.minGapMs) await new Promise((r) => setTimeout(r, this.minGapMs - since));
      if (this.stopped) break;
      lastTick = Date.now();
      this.wakeRequested = false;
      this.warnedThisTick = false;
      try {
        await this.tick();
      } catch (err) {
        this.warn(`error while following ${this.path}`, err);
      }
      if (!this.warnedThisTick) this.lastWarn = null;
      if (this.stopped || this.wakeRequested) continue;
      await this.sleep(this.pollMs);
    }
  }

  private async tick(): Promise<void> {
    if (!this.tail) {
      const t = await this.openTail(this.path);
      if (!t) return;
      this.tail = t;
      this.log.info('log file appeared');
      if (this.nextKind) this.rotation(this.nextKind);
      this.nextKind = null;
    }
    let t = this.tail;
    if (t.detachedAt === null) {
      const st = await statBig(this.path);
      if (!st || st.dev !== t.dev || st.ino !== t.ino) {
        t.detachedAt = Date.now();
        t.lastGrowth = t.detachedAt;
        this.log.debug('file was moved or deleted; reading the old one to its end');
      } else if (await this.truncated(t)) {
        await this.afterTruncation(t);
        t = this.tail;
      }
    }
    if (this.stopped) return;
    if ((await this.drain(t)) > 0) t.lastGrowth = Date.now();
    if (t.detachedAt !== null && !this.stopped) await this.maybeFinish(t);
  }

  /** Whether the attached file shrank below the read offset or its first bytes changed. */
  private async truncated(t: Tail): Promise<boolean> {
    const size = Number((await fstatBig(t.fd)).size);
    if (size < t.readOffset) return true;
    if (t.headLen === 0 && size === 0) return false;
    if (t.headLen === FINGERPRINT_BYTES || size > t.headLen) {
      const buf = Buffer.allocUnsafe(FINGERPRINT_BYTES);
      const n = await readAt(t.fd, buf, FINGERPRINT_BYTES, 0);
      if (n < t.headLen || !buf.subarray(0, t.headLen).equals(t.head.subarray(0, t.headLen))) return true;
      if (n > t.headLen) {
        buf.copy(t.head, 0, 0, n);
        t.headLen = n;
        t.headHash = null;
      }
    }
    return false;
  }

  private async afterTruncation(t: Tail): Promise<void> {
    const copy = await this.findRotated({
      fingerprint: fingerprintOf(t.head, t.headLen),
      fingerprintBytes: t.headLen,
      minSize: t.readOffset,
      exclude: t,
    });
    if (copy) {
      copy.readOffset = t.readOffset;
      copy.splitter = t.splitter;
      copy.copy = true;
      copy.detachedAt = Date.now();
      copy.lastGrowth = 0;
      const fd = t.fd;
      t.fd = -1;
      this.tail = copy;
      await closeQuietly(fd);
      this.log.info('file was truncated; reading the rest from its copy', { copy: copy.file });
      return;
    }
    this.log.info('file was truncated; reading it again from the start');
    this.flush(t);
    t.readOffset = 0;
    t.splitter.reset();
    t.headLen = await readAt(t.fd, t.head, FINGERPRINT_BYTES, 0);
    t.headHash = null;
    this.rotation('truncate');
  }

  /** Reads from the read offset to the end of the file, delivering lines chunk by chunk. */
  private async drain(t: Tail): Promise<number> {
    let [a, b] = this.buffers!;
    const size = this.chunkBytes;
    let pos = t.readOffset;
    let total = 0;
    let next: Promise<number> | null = readAt(t.fd, a, size, pos);
    try {
      while (next !== null) {
        const n: number = await next;
        next = null;
        if (n === 0) break;
        pos += n;
        // the next chunk is read while this one is split and handled
        if (n === size && !this.stopped) next = readAt(t.fd, b, size, pos);
        this.deliver(t, a.subarray(0, n));
        total += n;
        [a, b] = [b, a];
        if (this.stopped) break;
      }
    } finally {
      if (next !== null) await next.catch(() => 0);
    }
    return total;
  }

  private deliver(t: Tail, chunk: Buffer): void {
    t.readOffset += chunk.length;
    deliverChunk(t.splitter, chunk, this.batch, this.handlers);
  }

  /** Delivers the unterminated last line of a file that is being left. */
  private flush(t: Tail): void {
    deliverLast(t.splitter, this.handlers);
  }

  /** Closes a detached file once it has been quiet long enough and something replaced it (or it was deleted). */
  private async maybeFinish(t: Tail): Promise<void> {
    if (Date.now() - t.lastGrowth < (t.copy ? 0 : this.graceMs)) return;
    const st = await statBig(this.path);
    if (st && st.dev === t.dev && st.ino === t.ino) {
      if (!t.copy) t.detachedAt = null;
      return;
    }
    const orphan = (await fstatBig(t.fd)).nlink === 0n;
    if (!st && !orphan) return;
    if ((await this.drain(t)) > 0) {
      t.lastGrowth = Date.now();
      return;
    }
    if (this.stopped) return;
    const kind: RotationKind = t.copy ? 'truncate' : orphan ? 'recreate' : 'rename';
    this.flush(t);
    const fd = t.fd;
    t.fd = -1;
    await closeQuietly(fd);
    this.log.debug('finished the rotated file', { file: t.file, kind });
    const next = st ? await this.openTail(this.path) : null;
    this.tail = next;
    if (next) this.rotation(kind);
    else this.nextKind = kind;
  }

  private rotation(kind: RotationKind): void {
    this.log.info('log file rotated', { kind });
    this.handlers.rotation(kind);
  }

  /** Reports a problem once until a poll passes without it. */
  private warn(message: string, err?: unknown): void {
    this.warnedThisTick = true;
    const key = `${message}\n${err === undefined ? '' : errorMessage(err)}`;
    if (key === this.lastWarn) return;
    this.lastWarn = key;
    this.handlers.warn(message, err);
  }
}
