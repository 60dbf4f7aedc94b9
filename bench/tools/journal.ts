/**
 * The journal source on a real journald: the messages of the first N lines of the generated log,
 * written with logger(1) under one tag and pid into a journal namespace of the bench's own, then read
 * by the daemon from the start through `journalctl --output=export`. Timed from the daemon's start to
 * the last record read; CPU of the daemon and of its journalctl. Needs root, like the journal test
 * (test/helpers/private-journal.ts).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { privateJournalUnavailable, startPrivateJournal } from '../../test/helpers/private-journal.js';
import { MAIN, cpuMsOf, freePort, httpGet, parseMetrics, sleep, start, sum, waitUntil } from './proc.js';

export interface JournalResult {
  records: number;
  ms: number;
  recordsPerSec: number;
  daemonCpuMs: number;
  journalctlCpuMs: number;
}

export { privateJournalUnavailable as journalUnavailable };

const TAG = 'postfix/smtpd';

/** The messages (what follows `tag[pid]: `) of the first `n` lines of a log. */
async function messagesOf(logFile: string, n: number): Promise<string[]> {
  const out: string[] = [];
  const lines = createInterface({ input: createReadStream(logFile), crlfDelay: Infinity });
  for await (const line of lines) {
    const at = line.indexOf(': ', line.indexOf(' ', 16) + 1);
    out.push(at < 0 ? line : line.slice(at + 2));
    if (out.length === n) break;
  }
  lines.close();
  return out;
}

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

export async function runJournalIngest(logFile: string, records: number, workDir: string): Promise<JournalResult> {
  const dir = mkdtempSync(join(resolve(workDir), 'journal-'));
  const journal = await startPrivateJournal();
  try {
    const messages = join(dir, 'messages.txt');
    writeFileSync(messages, `${(await messagesOf(logFile, records)).join('\n')}\n`);
    const w = spawnSync('logger', [`--socket=${journal.devLog}`, '--socket-errors=on', '-t', TAG, '--id=4242', '-f', messages], { encoding: 'utf8' });
    if (w.status !== 0) throw new Error(`logger failed: ${w.stderr}`);
    const journalctl = join(journal.binDir, 'journalctl');
    await waitUntil('journald to store every record', async () => {
      const c = spawnSync(journalctl, ['--no-pager', '-q', '-o', 'cat', `SYSLOG_IDENTIFIER=${TAG}`], { encoding: 'utf8', maxBuffer: 1 << 30 });
      return c.stdout.split('\n').length - 1 >= records ? true : undefined;
    }, 120_000, 500);

    writeFileSync(join(dir, 'config.yml'), `state_dir: ${join(dir, 'state')}\nlogs:\n  - journal: { matches: [SYSLOG_IDENTIFIER=${TAG}] }\n    start_at: beginning\n`);
    const port = await freePort();
    const t0 = performance.now();
    const child = start(process.execPath, [MAIN, '--config', join(dir, 'config.yml'), '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], {
      cwd: dir,
      env: { PATH: `${journal.binDir}:${process.env.PATH ?? ''}` },
    });
    try {
      let read = 0;
      while (read < records) {
        await sleep(50);
        const text = await httpGet(`http://127.0.0.1:${port}/metrics`).catch(() => '');
        read = sum(parseMetrics(text), 'smtp_tls_log_lines_read_total', (l) => l.path === 'journal');
        if (performance.now() - t0 > 300_000) throw new Error(`timed out: ${read} of ${records} records read`);
      }
      const ms = performance.now() - t0;
      const daemonCpuMs = cpuMsOf(child.pid) ?? Number.NaN;
      const journalctlCpuMs = childrenOf(child.pid).reduce((a, pid) => a + (cpuMsOf(pid) ?? 0), 0);
      return { records, ms, recordsPerSec: (records * 1000) / ms, daemonCpuMs, journalctlCpuMs };
    } finally {
      await child.stop('SIGTERM');
    }
  } finally {
    await journal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
