/**
 * A log file open for following: its descriptor, identity, read offset, line splitter and first
 * bytes (which tell a truncated or replaced file from the one that was read); and the search for a
 * rotated copy of it next to the path.
 */
import { join } from 'node:path';
import { closeQuietly, fstatBig, listDir, openForRead, readAt, statBig } from './fs-async.js';
import { FINGERPRINT_BYTES, fingerprintOf, isRotatedName } from './file-position.js';
import { LineSplitter } from './line-splitter.js';

export interface Tail {
  /** -1 once closed. */
  fd: number;
  /** The name the file was opened under. */
  file: string;
  dev: bigint;
  ino: bigint;
  sizeAtOpen: number;
  readOffset: number;
  splitter: LineSplitter;
  head: Buffer;
  headLen: number;
  headHash: string | null;
  /** When the path stopped naming this file; null while it does. */
  detachedAt: number | null;
  lastGrowth: number;
  /** A copy left by copytruncate: nobody writes to it, and the file at the path continues after it. */
  copy: boolean;
}

/** Which rotated file to look for: the same first bytes, at least `minSize`, and the same file id when given. */
export interface RotatedQuery {
  dev?: string;
  ino?: string;
  fingerprint: string;
  fingerprintBytes: number;
  minSize: number;
  exclude?: { dev: bigint; ino: bigint };
}

/** Opens `file` at offset 0 and reads its first bytes; null when it is missing or unusable (warned, unless missing). */
export async function openTail(file: string, maxLineBytes: number, warn: (message: string, err?: unknown) => void): Promise<Tail | null> {
  let fd: number;
  try {
    fd = await openForRead(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot open ${file}`, err);
    return null;
  }
  try {
    const st = await fstatBig(fd);
    if (!st.isFile()) {
      warn(`${file} is not a regular file`);
      await closeQuietly(fd);
      return null;
    }
    const head = Buffer.alloc(FINGERPRINT_BYTES);
    const headLen = await readAt(fd, head, FINGERPRINT_BYTES, 0);
    return {
      fd,
      file,
      dev: st.dev,
      ino: st.ino,
      sizeAtOpen: Number(st.size),
      readOffset: 0,
      splitter: new LineSplitter(maxLineBytes),
      head,
      headLen,
      headHash: null,
      detachedAt: null,
      lastGrowth: Date.now(),
      copy: false,
    };
  } catch (err) {
    warn(`cannot read ${file}`, err);
    await closeQuietly(fd);
    return null;
  }
}

/** Whether the file's first `length` bytes have this fingerprint. */
export function sameStart(t: Tail, fingerprint: string, length: number): boolean {
  return t.headLen >= length && fingerprintOf(t.head, length) === fingerprint;
}

/** A file in `dir` with a name rotated from `base` that matches `q`, opened with `open`; newest first. */
export async function findRotated(dir: string, base: string, q: RotatedQuery, open: (file: string) => Promise<Tail | null>): Promise<Tail | null> {
  const found: { file: string; mtime: bigint }[] = [];
  for (const name of await listDir(dir)) {
    if (!isRotatedName(base, name)) continue;
    const file = join(dir, name);
    const st = await statBig(file).catch(() => null);
    if (!st || !st.isFile() || Number(st.size) < q.minSize) continue;
    if (q.ino !== undefined && (String(st.dev) !== q.dev || String(st.ino) !== q.ino)) continue;
    if (q.exclude && st.dev === q.exclude.dev && st.ino === q.exclude.ino) continue;
    found.push({ file, mtime: st.mtimeNs });
  }
  found.sort((a, b) => (a.mtime < b.mtime ? 1 : a.mtime > b.mtime ? -1 : 0));
  for (const { file } of found) {
    const t = await open(file);
    if (!t) continue;
    const idOk = q.ino === undefined || (String(t.dev) === q.dev && String(t.ino) === q.ino);
    if (idOk && t.sizeAtOpen >= q.minSize && sameStart(t, q.fingerprint, q.fingerprintBytes)) return t;
    await closeQuietly(t.fd);
  }
  return null;
}
