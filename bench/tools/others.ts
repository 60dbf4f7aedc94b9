/**
 * Other exporters on the same file, measured the same way as ours: each follows an existing empty
 * file, the log is appended in one go, and its /metrics is polled until its counters reach what the
 * generator says they must be.
 *
 * - postfix_exporter (Debian `prometheus-postfix-exporter`): its smtpd connection, TLS and queue
 *   counters (it only knows `postfix/<service>` tags, so submission/smtpd lines are not counted);
 * - mtail with bench/mtail/tls.mtail: its line counter and the TLS counters of that program.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Expected } from '../generate-log.js';
import { MemorySampler, ROOT, appendFile, cpuMsOf, freePort, httpGet, nextPollMs, parseMetrics, run, sleep, start, sum, waitUntil, type Sample } from './proc.js';

export interface OtherResult {
  tool: string;
  ms: number;
  linesPerSec: number;
  peakRssMiB: number;
  cpuMs: number;
  /** The counters reached the expected values (false: timed out; `detail` says where it stood). */
  complete: boolean;
  detail: string;
}

export const POSTFIX_EXPORTER = '/usr/bin/prometheus-postfix-exporter';
export const MTAIL = '/usr/bin/mtail';
export const MTAIL_PROGS = join(ROOT, 'bench', 'mtail');

/** Installs the Debian packages when they are missing and we may (root, apt-get present). */
export async function ensureOtherTools(log: (s: string) => void): Promise<{ postfixExporter: boolean; mtail: boolean }> {
  const have = (): { postfixExporter: boolean; mtail: boolean } => ({ postfixExporter: existsSync(POSTFIX_EXPORTER), mtail: existsSync(MTAIL) });
  const now = have();
  if (now.postfixExporter && now.mtail) return now;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    log('postfix_exporter/mtail not installed (apt-get install prometheus-postfix-exporter mtail); their rows are skipped');
    return now;
  }
  const pkgs = [...(now.postfixExporter ? [] : ['prometheus-postfix-exporter']), ...(now.mtail ? [] : ['mtail'])];
  log(`installing ${pkgs.join(' ')} with apt-get …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env });
  if (r.code !== 0) {
    await run('apt-get', ['update'], { env });
    r = await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env });
  }
  if (r.code !== 0) log(`apt-get failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return have();
}

interface ToolSpec {
  tool: string;
  args(port: number, followed: string, dir: string): { cmd: string; args: string[] };
  /** Where the counters stand: done when `remaining` is empty. */
  progress(samples: Sample[], expected: Expected, copies: number): string[];
  /** Share of the file done, for pacing the polls. */
  fraction(samples: Sample[], expected: Expected): number;
}

const postfixExporter: ToolSpec = {
  tool: 'postfix_exporter',
  args: (port, followed, dir) => ({
    cmd: POSTFIX_EXPORTER,
    args: [
      `--postfix.logfile_path=${followed}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--postfix.showq_path=${join(dir, 'no-showq')}`,
    ],
  }),
  progress(s, e, copies) {
    const want: [string, number, number][] = [
      ['postfix_smtpd_connects_total', sum(s, 'postfix_smtpd_connects_total'), e.tools.smtpdConnects],
      ['postfix_smtpd_tls_connections_total', sum(s, 'postfix_smtpd_tls_connections_total'), e.tools.smtpdTlsFrom],
      ['postfix_smtp_tls_connections_total', sum(s, 'postfix_smtp_tls_connections_total'), e.tools.smtpTlsTo],
      ['postfix_qmgr_messages_removed_total', sum(s, 'postfix_qmgr_messages_removed_total'), e.tools.qmgrRemoved],
      ['postfix_smtpd_connections_lost_total', sum(s, 'postfix_smtpd_connections_lost_total'), e.tools.lostAfterStarttls],
    ];
    return want.filter(([, got, w]) => got !== w * copies).map(([name, got, w]) => `${name} ${got}/${w * copies}`);
  },
  fraction: (s, e) => sum(s, 'postfix_smtpd_connects_total') / e.tools.smtpdConnects,
};

const mtail: ToolSpec = {
  tool: 'mtail',
  args: (port, followed) => ({
    cmd: MTAIL,
    args: ['--progs', MTAIL_PROGS, '--logs', followed, '--address', '127.0.0.1', '--port', String(port), '--logtostderr'],
  }),
  progress(s, e, copies) {
    const want: [string, number, number][] = [
      ['mtail_log_lines_total', sum(s, 'mtail_log_lines_total'), e.lines],
      ['postfix_tls_established_total', sum(s, 'postfix_tls_established_total'), e.establishedLines],
      ['postfix_tls_ssl_errors_total', sum(s, 'postfix_tls_ssl_errors_total'), e.tools.sslErrors],
      ['postfix_tls_library_problems_total', sum(s, 'postfix_tls_library_problems_total'), e.tools.tlsLibraryProblems],
    ];
    return want.filter(([, got, w]) => got !== w * copies).map(([name, got, w]) => `${name} ${got}/${w * copies}`);
  },
  fraction: (s, e) => sum(s, 'mtail_log_lines_total') / e.lines,
};

export const OTHER_TOOLS = { postfixExporter, mtail };

export async function runOther(spec: ToolSpec, logFile: string, expected: Expected, workDir: string, timeoutMs = 120_000): Promise<OtherResult> {
  const dir = mkdtempSync(join(resolve(workDir), `${spec.tool}-`));
  const followed = join(dir, 'mail.log');
  writeFileSync(followed, '');
  const port = await freePort();
  const { cmd, args } = spec.args(port, followed, dir);
  const child = start(cmd, args, { cwd: dir });
  const url = `http://127.0.0.1:${port}/metrics`;
  try {
    await waitUntil(`${spec.tool} to listen`, async () => ((await httpGet(url, 2000)).length > 0 ? true : undefined), 15_000);
    // both follow the file from its end once they have opened it; give them time to do so
    await sleep(1000);
    const cpu0 = cpuMsOf(child.pid) ?? 0;
    const mem = new MemorySampler(child.pid);
    const t0 = performance.now();
    await appendFile(logFile, followed);
    let remaining: string[] = ['nothing read yet'];
    let tDone = Number.NaN;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const text = await httpGet(url).catch(() => '');
      const now = performance.now();
      const samples = parseMetrics(text);
      remaining = spec.progress(samples, expected, 1);
      if (remaining.length === 0) {
        tDone = now;
        break;
      }
      await sleep(nextPollMs(now - t0, spec.fraction(samples, expected)));
    }
    const complete = remaining.length === 0;
    if (!complete) tDone = performance.now();
    const peak = mem.stop();
    const cpuMs = (cpuMsOf(child.pid) ?? 0) - cpu0;
    const ms = tDone - t0;
    return {
      tool: spec.tool,
      ms,
      linesPerSec: (expected.lines * 1000) / ms,
      peakRssMiB: peak / 1024,
      cpuMs,
      complete,
      detail: complete ? '' : `timed out: ${remaining.join(', ')}`,
    };
  } finally {
    await child.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
