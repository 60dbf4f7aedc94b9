/** The persisted reading position of a followed file, and the fingerprint that identifies a file's content. */
import { createHash } from 'node:crypto';

/** Bytes at the start of a file that identify it across inode reuse and in-place truncation. */
export const FINGERPRINT_BYTES = 256;

export interface FilePosition {
  v: 1;
  /** The followed path. */
  path: string;
  /** The file the offset refers to: `path`, or a rotated name such as `mail.log.1`. */
  file: string;
  /** Decimal strings; null when no file was open (the next file at `path` is read from the start). */
  dev: string | null;
  ino: string | null;
  /** Bytes consumed up to the end of the last delivered line. */
  offset: number;
  /** Hash of the first `fingerprintBytes` bytes of the file. */
  fingerprint: string;
  fingerprintBytes: number;
}

export function fingerprintOf(head: Buffer, length: number): string {
  return createHash('sha256').update(head.subarray(0, length)).digest('hex').slice(0, 32);
}

export function noFilePosition(path: string): FilePosition {
  return { v: 1, path, file: path, dev: null, ino: null, offset: 0, fingerprint: '', fingerprintBytes: 0 };
}

/** The position in `saved` if it is a well-formed position, else null. */
export function parsePosition(saved: unknown): FilePosition | null {
  if (typeof saved !== 'object' || saved === null) return null;
  const p = saved as Record<string, unknown>;
  const idOk = (x: unknown): boolean => x === null || (typeof x === 'string' && /^\d+$/.test(x));
  const count = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (p.v !== 1 || typeof p.path !== 'string' || typeof p.file !== 'string') return null;
  if (!idOk(p.dev) || !idOk(p.ino) || (p.dev === null) !== (p.ino === null)) return null;
  if (!count(p.offset) || typeof p.fingerprint !== 'string' || !count(p.fingerprintBytes)) return null;
  if ((p.fingerprintBytes as number) > FINGERPRINT_BYTES) return null;
  return {
    v: 1,
    path: p.path,
    file: p.file,
    dev: p.dev as string | null,
    ino: p.ino as string | null,
    offset: p.offset as number,
    fingerprint: p.fingerprint,
    fingerprintBytes: p.fingerprintBytes as number,
  };
}

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z|zip)$/i;

/**
 * Whether `name` looks like a rotated copy of the file named `base` in the same directory
 * (`mail.log.1`, `mail.log-20261123`, `mail.log.0`); compressed rotations cannot be read and are skipped.
 */
export function isRotatedName(base: string, name: string): boolean {
  return name !== base && name.startsWith(base) && !COMPRESSED.test(name);
}
