/**
 * smtp-tls-exporter's daemon on its real path: it follows an existing empty file, the whole log is
 * appended in one go, and /metrics is polled until every line was read, nothing is left to read and
 * the TLS counters are exactly what the generator says they must be.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Expected } from '../generate-log.js';
import {
  MAIN,
  MemorySampler,
  appendFile,
  cpuMsOf,
  freePort,
  httpGet,
  heapOf,
  memoryOf,
  nextPollMs,
  parseMetrics,
  sleep,
  start,
  sum,
  waitUntil,
  type Child,
  type HeapMiB,
  type Sample,
} from './proc.js';

export interface IngestResult {
  ms: number;
  linesPerSec: number;
  /**
   * Lines per second from the first poll that saw 20% of the lines to the end: the rate once the
   * JIT has warmed up (NaN when the polls saw no such point).
   */
  steadyLinesPerSec: number;
  peakRssMiB: number;
  /** The exporter's V8 heap once everything was read. */
  heapMiB: HeapMiB;
  /** RSS once everything was read (after the burst). */
  endRssMiB: number;
  cpuMs: number;
  exact: boolean;
  /** What differed from the expected counts (empty when exact). */
  differences: string[];
  /** Scrapes made by the background scraper during ingest. */
  scrapes: number;
  /** With `measureScrapes`: the time of each scrape made after ingest, in ms, and the series served. */
  scrapeMs?: number[];
  series?: number;
}

export interface DaemonRunOptions {
  workDir: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Scrape /metrics this often during ingest, besides the completion polling (ms). */
  scrapeEveryMs?: number;
  /** Extra YAML for a --config file (e.g. `peers: {top: 500}`). */
  configYaml?: string;
  /** Fixed poll interval (default: adaptive, see nextPollMs). */
  pollMs?: number;
  timeoutMs?: number;
  /** Copies of the log appended one after the other (the expected counts are multiplied). */
  copies?: number;
  /** After ingest, time this many scrapes in a row (one connection, as Prometheus does). */
  measureScrapes?: number;
}

/** Differences between the exporter's counters and what the generator expects (empty when equal). */
export function compareCounts(samples: Sample[], expected: Expected, copies = 1): string[] {
  const diffs: string[] = [];
  const got = new Map<string, number>();
  for (const s of samples) {
    if (s.name === 'smtp_tls_handshakes_total' && s.value > 0) {
      const l = s.labels;
      got.set(`H ${l.mta}|${l.direction}|${l.protocol}|${l.cipher}|${l.trust}`, s.value);
    } else if (s.name === 'smtp_tls_handshake_failures_total' && s.value > 0) {
      const l = s.labels;
      got.set(`F ${l.mta}|${l.direction}|${l.reason}`, s.value);
    }
  }
  const want = new Map<string, number>();
  for (const [k, v] of Object.entries(expected.handshakes)) want.set(`H ${k}`, v * copies);
  for (const [k, v] of Object.entries(expected.failures)) want.set(`F ${k}`, v * copies);
  for (const [k, v] of want) if (got.get(k) !== v) diffs.push(`${k}: expected ${v}, got ${got.get(k) ?? 0}`);
  for (const [k, v] of got) if (!want.has(k)) diffs.push(`${k}: expected 0, got ${v}`);
  return diffs;
}

/**
 * Starts the exporter following `followed` (state and config in `dir`) and waits until it listens and
 * has opened the file. The caller stops `child`.
 */
export async function startFollowing(
  dir: string,
  followed: string,
  options: { nodeArgs?: string[]; configYaml?: string } = {},
): Promise<{ child: Child; base: string }> {
  const port = await freePort();
  const args = [...(options.nodeArgs ?? []), MAIN, '--listen', `127.0.0.1:${port}`, '--log', followed, '--state-dir', join(dir, 'state'), '--log-level', 'warn'];
  if (options.configYaml) {
    writeFileSync(join(dir, 'config.yml'), options.configYaml);
    args.push('--config', join(dir, 'config.yml'));
  }
  const child = start(process.execPath, args, { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntil('the exporter to listen', async () => ((await httpGet(`${base}/healthz`, 1000)) === 'ok\n' ? true : undefined), 15_000);
    // the follower has opened the empty file once its up gauge shows 1
    await waitUntil('the follower to open the log', async () => {
      const s = parseMetrics(await httpGet(`${base}/metrics`));
      return s.some((x) => x.name === 'smtp_tls_log_up' && x.value === 1) ? true : undefined;
    }, 15_000);
  } catch (err) {
    await child.stop('SIGTERM');
    throw err;
  }
  return { child, base };
}

export async function runDaemonIngest(logFile: string, expected: Expected, options: DaemonRunOptions): Promise<IngestResult> {
  const copies = options.copies ?? 1;
  const dir = mkdtempSync(join(resolve(options.workDir), 'daemon-'));
  const followed = join(dir, 'mail.log');
  writeFileSync(followed, '');
  const { child, base } = await startFollowing(dir, followed, options).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  try {
    await sleep(300);
    const cpu0 = cpuMsOf(child.pid) ?? 0;
    const mem = new MemorySampler(child.pid);
    let scrapes = 0;
    let scraping = true;
    const scraper = options.scrapeEveryMs
      ? (async () => {
          while (scraping) {
            await httpGet(`${base}/metrics`).catch(() => '');
            scrapes++;
            await sleep(options.scrapeEveryMs!);
          }
        })()
      : Promise.resolve();
    const t0 = performance.now();
    for (let i = 0; i < copies; i++) await appendFile(logFile, followed);
    const wantLines = expected.lines * copies;
    let differences: string[] = [];
    let tDone = Number.NaN;
    let final: Sample[] = [];
    let steadyFrom: { t: number; lines: number } | null = null;
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    let settledSince = Number.NaN;
    for (;;) {
      const text = await httpGet(`${base}/metrics`).catch(() => '');
      const now = performance.now();
      const s = parseMetrics(text);
      const lines = sum(s, 'smtp_tls_log_lines_read_total');
      const lag = sum(s, 'smtp_tls_log_lag_bytes');
      final = s;
      if (steadyFrom === null && lines >= 0.2 * wantLines && lines < wantLines) steadyFrom = { t: now, lines };
      if (lines === wantLines && lag === 0) {
        differences = compareCounts(s, expected, copies);
        if (differences.length === 0) {
          tDone = now;
          break;
        }
        // counters that are not final yet may still be settled by session expiry: give them 3 s
        if (Number.isNaN(settledSince)) settledSince = now;
        else if (now - settledSince > 3000) {
          tDone = settledSince;
          break;
        }
      } else if (lines > wantLines) {
        differences = [`read ${lines} lines, expected ${wantLines}`];
        tDone = now;
        break;
      }
      if (Date.now() > deadline) {
        differences = [`timed out: read ${lines} of ${wantLines} lines, lag ${lag} bytes`];
        tDone = now;
        break;
      }
      await sleep(options.pollMs ?? nextPollMs(now - t0, lines / wantLines));
    }
    scraping = false;
    await scraper;
    let scrapeMs: number[] | undefined;
    let series: number | undefined;
    if (options.measureScrapes) {
      scrapeMs = [];
      for (let i = 0; i < options.measureScrapes; i++) {
        const t = performance.now();
        const body = await httpGet(`${base}/metrics`);
        scrapeMs.push(performance.now() - t);
        series = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
      }
    }
    const peak = mem.stop();
    const cpuMs = (cpuMsOf(child.pid) ?? 0) - cpu0;
    const endRss = memoryOf(child.pid)?.rssKiB ?? Number.NaN;
    const ms = tDone - t0;
    return {
      ms,
      linesPerSec: (wantLines * 1000) / ms,
      steadyLinesPerSec: steadyFrom === null ? Number.NaN : ((wantLines - steadyFrom.lines) * 1000) / (tDone - steadyFrom.t),
      peakRssMiB: peak / 1024,
      heapMiB: heapOf(final),
      endRssMiB: endRss / 1024,
      cpuMs,
      exact: differences.length === 0,
      differences,
      scrapes,
      scrapeMs,
      series,
    };
  } finally {
    await child.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
