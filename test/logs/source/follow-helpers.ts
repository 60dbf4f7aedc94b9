/** Real files, real writers and bounded waits for the file follower tests. */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Assertion } from 'uvu/assert';
import { createFileFollower, type FileFollowerOptions } from '../../../src/logs/source/file-follower.js';
import type { LineSource, RotationKind, SourceHandlers } from '../../../src/logs/source/types.js';

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'follow-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms; fails after `timeoutMs` with `what` and the state from `describe`. */
export async function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs = 5000,
  describe: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Assertion({ message: `timed out waiting for ${what} ${describe()}`, generated: false, operator: 'waitFor', expects: true, actual: false });
    await sleep(10);
  }
}

export interface Collected {
  lines: string[];
  rotations: RotationKind[];
  oversized: number;
  warnings: string[];
  handlers: SourceHandlers;
  /** Called after each batch, with the batch. */
  onBatch: ((batch: string[]) => void) | null;
}

export function collector(): Collected {
  const c: Collected = {
    lines: [],
    rotations: [],
    oversized: 0,
    warnings: [],
    onBatch: null,
    handlers: {
      lines(batch) {
        for (const l of batch) c.lines.push(l);
        c.onBatch?.(batch);
      },
      rotation(kind) {
        c.rotations.push(kind);
      },
      oversized(n) {
        c.oversized += n;
      },
      warn(message, err) {
        c.warnings.push(err === undefined ? message : `${message}: ${String(err)}`);
      },
    },
  };
  return c;
}

export type FollowOptions = Omit<FileFollowerOptions, 'handlers'>;

export function follow(opts: FollowOptions, c: Collected = collector()): { src: LineSource; c: Collected } {
  const src = createFileFollower({ pollMs: 40, rotateGraceMs: 250, ...opts, handlers: c.handlers });
  return { src, c };
}

export interface Followed {
  path: string;
  w: Writer;
  src: LineSource;
  c: Collected;
}

/**
 * `mail.log` in a fresh directory, with a writer and a follower: `before` writes what the file holds
 * when the follower starts, `body` runs once it has started. Follower, writer and directory are
 * closed and removed however `body` ends.
 */
export async function withFollowedFile(
  opts: Omit<FollowOptions, 'path'> & { before?: (w: Writer) => void },
  body: (f: Followed) => Promise<void>,
): Promise<void> {
  const { before, ...followOpts } = opts;
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'mail.log');
  const w = new Writer(path);
  before?.(w);
  const { src, c } = follow({ path, ...followOpts });
  try {
    await src.start();
    await body({ path, w, src, c });
  } finally {
    await src.stop();
    w.close();
    cleanup();
  }
}

/** The text of numbered line i, as a mail log would have it. */
export function lineText(i: number): string {
  return `Nov 23 10:00:00 mx1 postfix/smtpd[4242]: ${String(i).padStart(7, '0')}: TLS connection established from client${i}.example.net`;
}

export function range(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(lineText(i));
  return out;
}

/** A log writer holding its descriptor open, like syslog daemons do: after a rename it keeps appending to the old inode. */
export class Writer {
  private fd: number;
  next = 1;
  constructor(public path: string) {
    this.fd = openSync(path, 'a');
  }
  write(count: number): void {
    if (count <= 0) return;
    const text = `${range(this.next, this.next + count - 1).join('\n')}\n`;
    this.next += count;
    writeSync(this.fd, text);
  }
  raw(data: string | Buffer): void {
    writeSync(this.fd, typeof data === 'string' ? Buffer.from(data) : data);
  }
  /** Writes `total` lines in batches with a pause after each, so the follower reads concurrently. */
  async writeSlowly(total: number, batch = 40, pauseMs = 3): Promise<void> {
    for (let done = 0; done < total; done += batch) {
      this.write(Math.min(batch, total - done));
      await sleep(pauseMs);
    }
  }
  /** Closes the current descriptor and opens `path` (what a daemon does on HUP). */
  reopen(path = this.path): void {
    closeSync(this.fd);
    this.path = path;
    this.fd = openSync(path, 'a');
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** Fails unless `got` is exactly lines from..to in order, naming the first difference, gaps and repeats. */
export function assertExactly(got: string[], from: number, to: number, label = 'lines'): void {
  const want = range(from, to);
  if (got.length === want.length && got.every((l, i) => l === want[i])) return;
  let first = 0;
  while (first < got.length && first < want.length && got[first] === want[first]) first++;
  const seen = new Map<string, number>();
  for (const l of got) seen.set(l, (seen.get(l) ?? 0) + 1);
  const missing = want.filter((l) => !seen.has(l)).length;
  const repeated = [...seen.values()].filter((n) => n > 1).length;
  throw new Assertion({
    message:
      `${label}: expected ${want.length} lines ${from}..${to}, got ${got.length}; first difference at index ${first} ` +
      `(got ${JSON.stringify(got[first]?.slice(0, 80))}, want ${JSON.stringify(want[first]?.slice(0, 80))}); ` +
      `${missing} missing, ${repeated} repeated`,
    generated: false,
    operator: 'assertExactly',
    expects: want.length,
    actual: got.length,
  });
}
