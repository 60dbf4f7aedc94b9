/** Metrics of active STARTTLS probes, labelled by target and by the host probed (`mx`). */
import { Counter, Gauge, Registry } from 'prom-client';
import type { ProbeResult } from '../probes/types.js';

export interface ProbeMetrics {
  /** Replaces what the series of (target, mx) say with this result and counts it. */
  record(target: string, mx: string, result: ProbeResult, now: number): void;
  /** Removes every series of `target` whose host is not in `mxs`. */
  retainMx(target: string, mxs: string[]): void;
}

type Labels = Record<string, string>;

interface Series {
  metric: Gauge<string>;
  labels: Labels;
}

export function createProbeMetrics(registry: Registry): ProbeMetrics {
  const gauge = (name: string, help: string, extra: string[] = []): Gauge<string> =>
    new Gauge({ name, help, labelNames: ['target', 'mx', ...extra], registers: [registry] });
  const success = gauge('smtp_tls_probe_success', 'Whether the last probe of the host succeeded (1) or not (0).');
  const total = new Counter({
    name: 'smtp_tls_probes_total',
    help: 'Probes run, by result: ok or the failure reason.',
    labelNames: ['target', 'mx', 'result'],
    registers: [registry],
  });
  const duration = gauge('smtp_tls_probe_duration_seconds', 'Duration of each phase of the last probe.', ['phase']);
  const tlsInfo = gauge('smtp_tls_probe_tls_info', 'Protocol and cipher negotiated by the last probe; always 1.', ['protocol', 'cipher']);
  const offered = gauge('smtp_tls_probe_starttls_offered', 'Whether the host advertised STARTTLS in its EHLO reply.');
  const notAfter = gauge('smtp_tls_probe_cert_not_after_timestamp_seconds', 'Expiry of the certificate the host presented (Unix time).');
  const verified = gauge('smtp_tls_probe_cert_verified', 'Whether the certificate chain verified against the trust anchors.');
  const hostnameMatch = gauge('smtp_tls_probe_cert_hostname_match', 'Whether the certificate names the expected host.');
  const supported = gauge('smtp_tls_probe_protocol_supported', 'Whether the host accepts a handshake at this protocol version (with enumeration).', ['protocol']);
  const lastRun = gauge('smtp_tls_probe_last_run_timestamp_seconds', 'When the host was last probed (Unix time).');

  /** Series per (target, mx): gauges are replaced on every result, counters live until the host goes. */
  const gauges = new Map<string, Series[]>();
  const counters = new Map<string, Map<string, Labels>>();
  const pair = (target: string, mx: string): string => JSON.stringify([target, mx]);
  const dropGauges = (key: string): void => {
    for (const { metric, labels } of gauges.get(key) ?? []) metric.remove(labels);
    gauges.delete(key);
  };
  const dropCounters = (key: string): void => {
    for (const labels of counters.get(key)?.values() ?? []) total.remove(labels);
    counters.delete(key);
  };

  return {
    record(target, mx, result, now) {
      const key = pair(target, mx);
      dropGauges(key);
      const series: Series[] = [];
      gauges.set(key, series);
      const set = (metric: Gauge<string>, value: number, extra: Labels = {}): void => {
        const labels = { target, mx, ...extra };
        metric.set(labels, value);
        series.push({ metric, labels });
      };
      set(success, result.success ? 1 : 0);
      set(lastRun, now / 1000);
      for (const [phase, seconds] of Object.entries(result.timings)) {
        if (typeof seconds === 'number') set(duration, seconds, { phase });
      }
      if (result.protocol) set(tlsInfo, 1, { protocol: result.protocol, cipher: result.cipher ?? '' });
      if (result.starttls_offered !== null) set(offered, result.starttls_offered ? 1 : 0);
      if (result.cert) {
        const expiry = Date.parse(result.cert.not_after);
        if (!Number.isNaN(expiry)) set(notAfter, expiry / 1000);
        set(verified, result.cert.verified ? 1 : 0);
        set(hostnameMatch, result.cert.hostname_match ? 1 : 0);
      }
      for (const [protocol, accepted] of Object.entries(result.protocols ?? {})) {
        if (accepted !== null) set(supported, accepted ? 1 : 0, { protocol });
      }
      const counted = { target, mx, result: result.success ? 'ok' : (result.reason ?? 'other') };
      total.inc(counted);
      let seen = counters.get(key);
      if (!seen) counters.set(key, (seen = new Map()));
      seen.set(counted.result, counted);
    },
    retainMx(target, mxs) {
      const keep = new Set(mxs.map((mx) => pair(target, mx)));
      const keys = new Set([...gauges.keys(), ...counters.keys()]);
      for (const key of keys) {
        const [t] = JSON.parse(key) as [string, string];
        if (t !== target || keep.has(key)) continue;
        dropGauges(key);
        dropCounters(key);
      }
    },
  };
}

/** A registry holding only probe metrics, for answering one on-demand probe. */
export function createScratchProbeMetrics(): { metrics: ProbeMetrics; render(): Promise<{ contentType: string; body: string }> } {
  const registry = new Registry();
  const metrics = createProbeMetrics(registry);
  return { metrics, render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }) };
}
