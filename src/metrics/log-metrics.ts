/** The log-derived metrics: TLS outcomes by label set, top failing peers, and each source's health. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Outcome } from '../logs/parsers/types.js';
import { PeerFailuresGauge } from './peer-failures-gauge.js';
import { PeerTopK } from './peer-top-k.js';

export interface SourceStatus {
  up: boolean;
  lagBytes: number;
}

export interface LogMetricsOptions {
  peerWindowMs: number;
  peerTop: number;
  now?: () => number;
}

export interface LogMetrics {
  recordOutcome(o: Outcome): void;
  linesRead(path: string, n: number): void;
  linesUnparsed(path: string, n: number): void;
  linesOversized(path: string, n: number): void;
  rotation(path: string, kind: string): void;
  /** Registers a source so that its up/lag gauges are read at every scrape. */
  watchSource(path: string, status: () => SourceStatus): void;
}

type Inc = { inc(n?: number): void };

interface Series {
  count: number;
  /** What the prom-client child has been told so far. */
  reported: number;
  child: Inc;
}

/** The map under `key` in `m`, created when missing. */
function level<V>(m: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let next = m.get(key);
  if (next === undefined) {
    next = new Map<string, V>();
    m.set(key, next);
  }
  return next;
}

export function createLogMetrics(registry: Registry, options: LogMetricsOptions): LogMetrics {
  const now = options.now ?? Date.now;
  // Outcomes are counted in plain numbers found through nested maps of the label values (no label
  // object, no joined key per event); the prom-client counters catch up when they are collected.
  const handshakeSeries = new Map<string, Map<string, Map<string, Map<string, Map<string, Series>>>>>();
  const failureSeries = new Map<string, Map<string, Map<string, Series>>>();
  const pending: Series[] = [];
  const sync = (): void => {
    for (const s of pending) {
      if (s.count !== s.reported) {
        s.child.inc(s.count - s.reported);
        s.reported = s.count;
      }
    }
  };
  const handshakes: Counter<string> = new Counter({
    name: 'smtp_tls_handshakes_total',
    help: 'Completed TLS handshakes seen in the mail logs.',
    labelNames: ['mta', 'direction', 'protocol', 'cipher', 'trust'],
    registers: [registry],
    collect: sync,
  });
  const failures: Counter<string> = new Counter({
    name: 'smtp_tls_handshake_failures_total',
    help: 'TLS attempts seen in the mail logs that did not give a usable session, by normalised reason.',
    labelNames: ['mta', 'direction', 'reason'],
    registers: [registry],
    collect: sync,
  });
  const newSeries = (child: Inc): Series => {
    const s: Series = { count: 0, reported: 0, child };
    pending.push(s);
    return s;
  };
  const topK = new PeerTopK({ windowMs: options.peerWindowMs, k: options.peerTop });
  new PeerFailuresGauge(registry, topK, now);
  const read = new Counter({
    name: 'smtp_tls_log_lines_read_total',
    help: 'Lines read from each log source.',
    labelNames: ['path'],
    registers: [registry],
  });
  const unparsed = new Counter({
    name: 'smtp_tls_log_lines_unparsed_total',
    help: 'TLS-looking lines of a known MTA that no rule understood.',
    labelNames: ['path'],
    registers: [registry],
  });
  const oversized = new Counter({
    name: 'smtp_tls_log_lines_oversized_total',
    help: 'Lines longer than the line limit (64 KiB), cut to it before parsing.',
    labelNames: ['path'],
    registers: [registry],
  });
  const rotations = new Counter({
    name: 'smtp_tls_log_rotations_total',
    help: 'Log rotations noticed, by kind (rename, truncate, recreate).',
    labelNames: ['path', 'kind'],
    registers: [registry],
  });
  const sources = new Map<string, () => SourceStatus>();
  new Gauge({
    name: 'smtp_tls_log_up',
    help: '1 while the log source is open and followed.',
    labelNames: ['path'],
    registers: [registry],
    collect() {
      for (const [path, status] of sources) this.labels(path).set(status().up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'smtp_tls_log_lag_bytes',
    help: 'Bytes written to the log source but not read yet.',
    labelNames: ['path'],
    registers: [registry],
    collect() {
      for (const [path, status] of sources) this.labels(path).set(status().lagBytes);
    },
  });

  // Per-source children, looked up by a precomputed key rather than a label object per batch.
  const children = new Map<string, Inc>();
  const child = (key: string, make: () => Inc): Inc => {
    let c = children.get(key);
    if (!c) {
      c = make();
      children.set(key, c);
    }
    return c;
  };

  return {
    recordOutcome(o) {
      if (o.kind === 'handshake') {
        const byDirection = level(handshakeSeries, o.mta);
        const byProtocol = level(byDirection, o.direction);
        const byCipher = level(byProtocol, o.protocol);
        const byTrust = level(byCipher, o.cipher);
        let s = byTrust.get(o.trust);
        if (s === undefined) {
          s = newSeries(handshakes.labels(o.mta, o.direction, o.protocol, o.cipher, o.trust));
          byTrust.set(o.trust, s);
        }
        s.count++;
        return;
      }
      const byReason = level(level(failureSeries, o.mta), o.direction);
      let s = byReason.get(o.reason);
      if (s === undefined) {
        s = newSeries(failures.labels(o.mta, o.direction, o.reason));
        byReason.set(o.reason, s);
      }
      s.count++;
      if (o.peer) topK.add(o.direction, o.peer, o.reason, now());
    },
    linesRead(path, n) {
      child(`r\u0000${path}`, () => read.labels(path)).inc(n);
    },
    linesUnparsed(path, n) {
      child(`u\u0000${path}`, () => unparsed.labels(path)).inc(n);
    },
    linesOversized(path, n) {
      oversized.labels(path).inc(n);
    },
    rotation(path, kind) {
      rotations.labels(path, kind).inc();
    },
    watchSource(path, status) {
      sources.set(path, status);
      read.labels(path).inc(0);
      unparsed.labels(path).inc(0);
      oversized.labels(path).inc(0);
      for (const kind of ['rename', 'truncate', 'recreate']) rotations.labels(path, kind).inc(0);
    },
  };
}
