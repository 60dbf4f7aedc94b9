/**
 * Follows journald through `journalctl --follow --output=export` as a child process. The cursor of the
 * last delivered record is the position, so a restart continues with `--after-cursor`. A child that
 * dies is restarted with back-off; a missing or forbidden journalctl is reported once, clearly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../logger.js';
import { JournalExportReader } from './journal-export.js';
import type { LineSource, SourceHandlers } from './types.js';

export interface JournalSourceOptions {
  units: string[];
  matches: string[];
  startAt: 'end' | 'beginning';
  saved?: unknown;
  handlers: SourceHandlers;
  logger?: Logger;
  /** The journalctl executable (looked up on PATH by default). */
  command?: string;
  env?: Record<string, string | undefined>;
  maxBackoffMs?: number;
}

export function journalctlArgs(o: { units: string[]; matches: string[]; cursor: string | null; startAt: 'end' | 'beginning' }): string[] {
  const args = ['--follow', '--output=export', '--all'];
  if (o.cursor) args.push(`--after-cursor=${o.cursor}`);
  else args.push(o.startAt === 'end' ? '--lines=0' : '--no-tail');
  for (const u of o.units) args.push(`--unit=${u}`);
  // journalctl ORs matches only when separated by "+"; each configured match is its own alternative.
  o.matches.forEach((m, i) => args.push(...(i > 0 ? ['+', m] : [m])));
  return args;
}

export function createJournalSource(options: JournalSourceOptions): LineSource {
  const { handlers } = options;
  const saved = options.saved as { cursor?: unknown } | undefined;
  let cursor: string | null = typeof saved?.cursor === 'string' ? saved.cursor : null;
  let child: ChildProcess | null = null;
  let up = false;
  let stopped = false;
  let backoff = 500;
  let restartTimer: NodeJS.Timeout | null = null;
  let exited: Promise<void> = Promise.resolve();

  const launch = (): void => {
    if (stopped) return;
    const args = journalctlArgs({ units: options.units, matches: options.matches, cursor, startAt: options.startAt });
    const reader = new JournalExportReader();
    let stderr = '';
    const proc = spawn(options.command ?? 'journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env });
    child = proc;
    exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
    proc.stdout!.on('data', (chunk: Buffer) => {
      up = true;
      const batch: string[] = [];
      let last: string | null = null;
      for (const rec of reader.push(chunk)) {
        last = rec.cursor;
        if (rec.line !== null) batch.push(rec.line);
      }
      if (batch.length > 0) handlers.lines(batch);
      if (last !== null) cursor = last;
      const cut = reader.takeCut();
      if (cut > 0) handlers.oversized(cut);
      backoff = 500;
    });
    proc.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    proc.once('error', (err: NodeJS.ErrnoException) => {
      up = false;
      const why = err.code === 'ENOENT' ? 'journalctl is not installed or not on PATH' : err.message;
      handlers.warn(`cannot run journalctl: ${why}`, err);
    });
    proc.once('close', (code) => {
      up = false;
      if (child === proc) child = null;
      if (stopped) return;
      const detail = stderr.trim().split('\n').pop() ?? '';
      const hint = /permission|not seeing messages|access/i.test(stderr)
        ? ' (add the exporter user to the systemd-journal or adm group)'
        : '';
      handlers.warn(`journalctl exited with ${code ?? 'a signal'}${detail ? `: ${detail}` : ''}${hint}; restarting in ${backoff} ms`);
      restartTimer = setTimeout(launch, backoff);
      restartTimer.unref();
      backoff = Math.min(backoff * 2, options.maxBackoffMs ?? 60_000);
    });
  };

  return {
    id: 'journal',
    start() {
      launch();
      return Promise.resolve();
    },
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      const c = child;
      if (c) {
        c.stdout?.pause();
        c.kill('SIGTERM');
        await exited;
      }
      up = false;
    },
    position: () => (cursor ? { cursor } : null),
    status: () => ({ up, lagBytes: 0 }),
  };
}
