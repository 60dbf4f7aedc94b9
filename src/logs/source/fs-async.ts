/** Promise wrappers over the fd-based fs calls the follower uses (bigint stats: inode numbers can exceed 2^53). */
import { close, fstat, open, read, readdir, stat, type BigIntStats } from 'node:fs';

export function openForRead(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function closeQuietly(fd: number): Promise<void> {
  return new Promise((resolve) => close(fd, () => resolve()));
}

export function fstatBig(fd: number): Promise<BigIntStats> {
  return new Promise((resolve, reject) => fstat(fd, { bigint: true }, (err, st) => (err ? reject(err) : resolve(st))));
}

/** null when the path does not exist. */
export function statBig(path: string): Promise<BigIntStats | null> {
  return new Promise((resolve, reject) =>
    stat(path, { bigint: true }, (err, st) => {
      if (err === null) resolve(st);
      else if (isMissing(err)) resolve(null);
      else reject(err);
    }),
  );
}

export function readAt(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** Names in a directory; empty when it cannot be listed. */
export function listDir(dir: string): Promise<string[]> {
  return new Promise((resolve) => readdir(dir, (err, names) => resolve(err ? [] : names)));
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
