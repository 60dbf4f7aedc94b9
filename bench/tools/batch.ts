/**
 * One-shot readers of the whole file: `smtp-tls-exporter report --json` (checked against the
 * generator's counts) and the two Node.js floors (read + split into strings, in a loop over the file
 * and through the exporter's own file follower).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Expected } from '../generate-log.js';
import { MAIN, MemorySampler, ROOT, appendFile, cpuMsOf, sleep, start } from './proc.js';

export interface BatchResult {
  ms: number;
  linesPerSec: number;
  peakRssMiB: number;
  cpuMs: number;
  exact: boolean;
  differences: string[];
}

interface ReportJson {
  lines_read: number;
  handshakes: { mta: string; direction: string; protocol: string; cipher: string; trust: string; count: number }[];
  failures: { mta: string; direction: string; reason: string; count: number }[];
}

export function compareReport(r: ReportJson, expected: Expected): string[] {
  const diffs: string[] = [];
  if (r.lines_read !== expected.lines) diffs.push(`lines_read ${r.lines_read}, expected ${expected.lines}`);
  const got = new Map<string, number>();
  for (const h of r.handshakes) got.set(`H ${h.mta}|${h.direction}|${h.protocol}|${h.cipher}|${h.trust}`, h.count);
  for (const f of r.failures) got.set(`F ${f.mta}|${f.direction}|${f.reason}`, f.count);
  const want = new Map<string, number>();
  for (const [k, v] of Object.entries(expected.handshakes)) want.set(`H ${k}`, v);
  for (const [k, v] of Object.entries(expected.failures)) want.set(`F ${k}`, v);
  for (const [k, v] of want) if (got.get(k) !== v) diffs.push(`${k}: expected ${v}, got ${got.get(k) ?? 0}`);
  for (const [k, v] of got) if (!want.has(k)) diffs.push(`${k}: expected 0, got ${v}`);
  return diffs;
}

/** Wall time of the whole `report --json FILE` process, start-up included. */
export async function runReport(logFile: string, expected: Expected): Promise<BatchResult> {
  const t0 = performance.now();
  const child = start(process.execPath, [MAIN, 'report', '--json', logFile], { env: { PATH: process.env.PATH ?? '' } });
  const mem = new MemorySampler(child.pid, 10);
  let cpu = 0;
  const cpuTimer = setInterval(() => {
    cpu = cpuMsOf(child.pid) ?? cpu;
  }, 10);
  const code = await child.exited;
  const ms = performance.now() - t0;
  clearInterval(cpuTimer);
  const peak = mem.stop();
  if (code !== 0) throw new Error(`report exited ${code}: ${child.output().slice(-500)}`);
  const differences = compareReport(JSON.parse(child.output()) as ReportJson, expected);
  return { ms, linesPerSec: (expected.lines * 1000) / ms, peakRssMiB: peak / 1024, cpuMs: cpu, exact: differences.length === 0, differences };
}

/**
 * Read + split into strings over the finished file (no following, no parsing): `loop` is a tight
 * readSync loop, `readline` is node:readline over a read stream.
 */
export async function runStaticFloor(logFile: string, expected: Expected, kind: 'loop' | 'readline' = 'loop'): Promise<BatchResult> {
  const worker = kind === 'loop' ? 'bench/tools/floor-worker.mjs' : 'bench/tools/readline-floor-worker.mjs';
  const child = start(process.execPath, [join(ROOT, worker), logFile]);
  const code = await child.exited;
  if (code !== 0) throw new Error(`floor worker exited ${code}: ${child.output()}`);
  const r = JSON.parse(child.output()) as { lines: number; ms: number; peakRssKiB: number };
  const differences = r.lines === expected.lines ? [] : [`read ${r.lines} lines, expected ${expected.lines}`];
  return { ms: r.ms, linesPerSec: (r.lines * 1000) / r.ms, peakRssMiB: r.peakRssKiB / 1024, cpuMs: Number.NaN, exact: differences.length === 0, differences };
}

/**
 * The floor of the daemon's real path: the exporter's file follower and line splitter on the same
 * appended file, every line made into a string and nothing else done; timed like the daemon.
 */
export async function runFollowFloor(logFile: string, expected: Expected, workDir: string): Promise<BatchResult> {
  const dir = mkdtempSync(join(resolve(workDir), 'floor-'));
  const followed = join(dir, 'mail.log');
  writeFileSync(followed, '');
  const child = start(process.execPath, [join(ROOT, 'bench/tools/follow-floor-worker.mjs'), followed, String(expected.lines)]);
  try {
    const ready = Date.now() + 15_000;
    while (!child.output().includes('ready')) {
      if (Date.now() > ready || child.proc.exitCode !== null) throw new Error(`follow floor did not start: ${child.output()}`);
      await sleep(10);
    }
    await sleep(300);
    const cpu0 = cpuMsOf(child.pid) ?? 0;
    const mem = new MemorySampler(child.pid);
    const t0 = performance.now();
    await appendFile(logFile, followed);
    const deadline = Date.now() + 120_000;
    while (!/done \d+/.test(child.output())) {
      if (Date.now() > deadline) throw new Error('follow floor timed out');
      await sleep(2);
    }
    const ms = performance.now() - t0;
    const peak = mem.stop();
    const cpuMs = (cpuMsOf(child.pid) ?? 0) - cpu0;
    const lines = Number(/done (\d+)/.exec(child.output())![1]);
    const differences = lines === expected.lines ? [] : [`read ${lines} lines, expected ${expected.lines}`];
    return { ms, linesPerSec: (lines * 1000) / ms, peakRssMiB: peak / 1024, cpuMs, exact: differences.length === 0, differences };
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
