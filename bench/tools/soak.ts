/**
 * Soak: the daemon follows a log written at a steady rate, renamed away every minute (logrotate
 * `create`: the old file is renamed, a new one starts), and scraped every second. At the end, every
 * line written must have been read and the TLS counters must equal the generator's.
 */
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LogGenerator } from '../generate-log.js';
import { compareCounts, startFollowing } from './daemon.js';
import { heapOf, httpGet, memoryOf, parseMetrics, sleep, sum, type HeapMiB } from './proc.js';

export interface SoakOptions {
  seconds: number;
  linesPerSec: number;
  rotateEverySec: number;
  scrapeEverySec: number;
  seed: number;
  peers: number;
  workDir: string;
  log?: (line: string) => void;
}

export interface SoakSample {
  t: number;
  written: number;
  read: number;
  lagBytes: number;
  rssMiB: number;
  heap: HeapMiB;
  scrapeMs: number;
}

export interface SoakResult {
  seconds: number;
  linesWritten: number;
  linesRead: number;
  linesLost: number;
  rotations: number;
  rotationsSeen: number;
  exact: boolean;
  differences: string[];
  maxLagBytes: number;
  /** Time from the last write until every line was read. */
  catchUpMs: number;
  rssFirstMinuteMiB: number;
  rssLastMinuteMiB: number;
  rssMaxMiB: number;
  medianScrapeMs: number;
  samples: SoakSample[];
}

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text} (e.g. 90s, 10m, 1h)`);
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n / 1000;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    default:
      return n;
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(resolve(o.workDir), 'soak-'));
  const path = join(dir, 'mail.log');
  writeFileSync(path, '');
  const { child, base } = await startFollowing(dir, path).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const total = Math.round(o.seconds * o.linesPerSec);
  const gen = new LogGenerator({ lines: total, seed: o.seed, peers: o.peers, spanMs: o.seconds * 1000 });
  const samples: SoakSample[] = [];
  let fd = -1;
  try {
    fd = openSync(path, 'a');
    const tickMs = 50;
    const perTick = o.linesPerSec / (1000 / tickMs);
    const t0 = performance.now();
    let written = 0;
    let rotations = 0;
    let nextRotate = o.rotateEverySec * 1000;
    let nextScrape = 0;
    let maxLag = 0;
    while (written < total) {
      const elapsed = performance.now() - t0;
      // lines due by now, at the steady rate
      const due = Math.min(total, Math.floor(((elapsed + tickMs) / tickMs) * perTick));
      if (due > written) {
        writeSync(fd, gen.nextChunk(due - written));
        written = due;
      }
      if (elapsed >= nextRotate && written < total) {
        // logrotate `create`: keep two old files, rename the live one, start a new one
        rmSync(`${path}.2`, { force: true });
        try {
          renameSync(`${path}.1`, `${path}.2`);
        } catch {
          // no .1 yet
        }
        renameSync(path, `${path}.1`);
        closeSync(fd);
        fd = openSync(path, 'a');
        rotations++;
        nextRotate += o.rotateEverySec * 1000;
      }
      if (elapsed >= nextScrape) {
        nextScrape += o.scrapeEverySec * 1000;
        const ts = performance.now();
        const text = await httpGet(`${base}/metrics`).catch(() => '');
        const scrapeMs = performance.now() - ts;
        const s = parseMetrics(text);
        const lagBytes = sum(s, 'smtp_tls_log_lag_bytes');
        maxLag = Math.max(maxLag, lagBytes);
        const sample: SoakSample = {
          t: Math.round(elapsed / 100) / 10,
          written,
          read: sum(s, 'smtp_tls_log_lines_read_total'),
          lagBytes,
          rssMiB: (memoryOf(child.pid)?.rssKiB ?? 0) / 1024,
          heap: heapOf(s),
          scrapeMs,
        };
        samples.push(sample);
        if (samples.length % 60 === 1) {
          log(`  soak t=${sample.t}s written=${written} read=${sample.read} lag=${lagBytes}B rss=${sample.rssMiB.toFixed(1)}MiB`);
        }
      }
      await sleep(Math.max(1, tickMs - ((performance.now() - t0) % tickMs)));
    }
    closeSync(fd);
    fd = -1;
    const tEnd = performance.now();
    // every line read, then the counters
    let read = 0;
    let lastText = '';
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      lastText = await httpGet(`${base}/metrics`).catch(() => '');
      const s = parseMetrics(lastText);
      read = sum(s, 'smtp_tls_log_lines_read_total');
      if (read >= written && sum(s, 'smtp_tls_log_lag_bytes') === 0) break;
      await sleep(50);
    }
    const catchUpMs = performance.now() - tEnd;
    // session outcomes settled by the last lines may need the expiry tick; wait for them briefly
    let differences = compareCounts(parseMetrics(lastText), gen.expected);
    const settle = Date.now() + 5000;
    while (differences.length > 0 && Date.now() < settle) {
      await sleep(200);
      lastText = await httpGet(`${base}/metrics`).catch(() => '');
      differences = compareCounts(parseMetrics(lastText), gen.expected);
    }
    const rotationsSeen = sum(parseMetrics(lastText), 'smtp_tls_log_rotations_total');
    const minute = (from: number, to: number): number =>
      Math.max(0, ...samples.filter((x) => x.t >= from && x.t < to).map((x) => x.rssMiB));
    const last = samples.length > 0 ? samples[samples.length - 1]!.t : 0;
    const scrapes = samples.map((x) => x.scrapeMs).sort((a, b) => a - b);
    return {
      seconds: o.seconds,
      linesWritten: written,
      linesRead: read,
      linesLost: written - read,
      rotations,
      rotationsSeen,
      exact: differences.length === 0,
      differences,
      maxLagBytes: maxLag,
      catchUpMs,
      rssFirstMinuteMiB: minute(0, Math.min(60, last / 2)),
      rssLastMinuteMiB: minute(Math.max(last - 60, last / 2), last + 1),
      rssMaxMiB: Math.max(0, ...samples.map((x) => x.rssMiB)),
      medianScrapeMs: scrapes.length > 0 ? scrapes[scrapes.length >> 1]! : Number.NaN,
      samples,
    };
  } finally {
    if (fd >= 0) closeSync(fd);
    await child.stop('SIGTERM');
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
