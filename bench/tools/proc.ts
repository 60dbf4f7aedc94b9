/** Child processes, memory sampling, ports and Prometheus text: what every benchmark tool needs. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The exporter under test: this checkout's build, or another one named by BENCH_MAIN (for A/B runs). */
export const MAIN = process.env.BENCH_MAIN ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export { freePort } from '../../test/helpers/daemon.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `VmHWM` (peak resident set) and `VmRSS` of a live process, in KiB; null once it is gone. */
export function memoryOf(pid: number): { hwmKiB: number; rssKiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!hwm || !rss) return null;
    return { hwmKiB: Number(hwm[1]), rssKiB: Number(rss[1]) };
  } catch {
    return null;
  }
}

/** User + system CPU time of a live process, in ms. */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Follows the peak RSS of a process by sampling (VmHWM is exact while the process lives). */
export class MemorySampler {
  peakKiB = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pid: number, everyMs = 20) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    const m = memoryOf(this.pid);
    if (m) this.peakKiB = Math.max(this.peakKiB, m.hwmKiB, m.rssKiB);
  }

  stop(): number {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.peakKiB;
  }
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function start(cmd: string, args: string[], options: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  if (proc.pid === undefined) throw new Error(`cannot start ${cmd}`);
  return {
    proc,
    pid: proc.pid,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Runs a command to its end; stdout and stderr are collected. */
export function run(cmd: string, args: string[], options: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function httpGet(url: string, timeoutMs = 5000): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

/** Samples of Prometheus exposition text: `name{labels}` → value (labels in the order printed). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (let l = re.exec(m[2] ?? ''); l; l = re.exec(m[2] ?? '')) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** What the exporter's V8 heap holds, from its own `nodejs_heap_*` metrics (MiB, committed). */
export interface HeapMiB {
  /** The young generation (both semi-spaces). */
  young: number;
  old: number;
  /** Every space together, and what of it is in use. */
  total: number;
  used: number;
}

export function heapOf(samples: Sample[]): HeapMiB {
  const space = (name: string): number => sum(samples, 'nodejs_heap_space_size_total_bytes', (l) => l.space === name) / 1048576;
  return {
    young: space('new'),
    old: space('old'),
    total: sum(samples, 'nodejs_heap_size_total_bytes') / 1048576,
    used: sum(samples, 'nodejs_heap_size_used_bytes') / 1048576,
  };
}

export function sum(samples: Sample[], name: string, where: (l: Record<string, string>) => boolean = () => true): number {
  let n = 0;
  for (const s of samples) if (s.name === name && where(s.labels)) n += s.value;
  return n;
}

/** Appends `src` to `dst` in one go (a separate `cat`, so that the caller can watch meanwhile). */
export function appendFile(src: string, dst: string): Promise<void> {
  return run('sh', ['-c', 'cat "$1" >> "$2"', 'sh', src, dst]).then((r) => {
    if (r.code !== 0) throw new Error(`appending ${src} to ${dst} failed: ${r.stderr}`);
  });
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const MiB = (kib: number): number => kib / 1024;

/**
 * How long to wait before polling a tool's /metrics again, from the share of the work done so far:
 * half the estimated time left, between 10 and 250 ms. Every scrape costs the tool some CPU, so
 * fewer scrapes while far from the end disturb the measurement less, and polling fast near the end
 * keeps the end time precise.
 */
export function nextPollMs(elapsedMs: number, fractionDone: number): number {
  if (!(fractionDone > 0)) return 100;
  if (fractionDone >= 1) return 10;
  const left = (elapsedMs * (1 - fractionDone)) / fractionDone;
  return Math.max(10, Math.min(250, left / 2));
}
