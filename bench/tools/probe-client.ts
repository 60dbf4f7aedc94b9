/**
 * The probe engine against the loopback servers of probe-server.ts, in a process of its own:
 *   1. bare TLS handshakes (connect + handshake, one at a time) as the baseline;
 *   2. probes one at a time (connect, greeting, EHLO, STARTTLS, handshake, QUIT);
 *   3. probes with `inflight` in flight for `seconds`, with the CPU time this process used.
 * Prints one JSON object.
 *   node --import tsx bench/tools/probe-client.ts SMTP_PORT TLS_PORT [SEQUENTIAL] [INFLIGHT] [SECONDS]
 */
import tls from 'node:tls';
import { probeStarttls } from '../../src/probes/starttls-probe.js';
import type { ProbeOptions } from '../../src/probes/types.js';
import { pki } from '../../test/helpers/fake-smtp-server.js';

const [smtpPort, tlsPort, sequentialText, inflightText, secondsText] = process.argv.slice(2).map(Number);
const sequential = sequentialText || 200;
const inflight = inflightText || 50;
const seconds = secondsText || 5;
const CA = pki('ca.crt');

const options: ProbeOptions = {
  target: 'bench',
  host: '127.0.0.1',
  port: smtpPort!,
  servername: 'mx.corpus.test',
  verify: true,
  ca: CA,
  profile: { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' },
  ehloName: 'probe.bench.test',
  timeoutMs: 10_000,
};

function bareHandshake(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = tls.connect({ host: '127.0.0.1', port: tlsPort!, servername: 'mx.corpus.test', ca: CA, minVersion: 'TLSv1.2', ciphers: 'DEFAULT' });
    s.once('secureConnect', () => {
      const ms = performance.now() - t0;
      s.destroy();
      resolve(ms);
    });
    s.once('error', reject);
  });
}

async function probeOnce(): Promise<number> {
  const t0 = performance.now();
  const r = await probeStarttls(options);
  if (!r.success) throw new Error(`probe failed: ${r.reason} ${r.error}`);
  return performance.now() - t0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// warm up both paths (JIT, session caches are not used: every connection is a full handshake)
for (let i = 0; i < 20; i++) {
  await bareHandshake();
  await probeOnce();
}
// interleaved, so that both see the same machine
const bare: number[] = [];
const probe: number[] = [];
for (let i = 0; i < sequential; i++) {
  bare.push(await bareHandshake());
  probe.push(await probeOnce());
}

let done = 0;
let failed = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const until = t0 + seconds * 1000;
const latencies: number[] = [];
await Promise.all(
  Array.from({ length: inflight }, async () => {
    while (performance.now() < until) {
      try {
        latencies.push(await probeOnce());
        done++;
      } catch {
        failed++;
      }
    }
  }),
);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    bareMedianMs: median(bare),
    probeMedianMs: median(probe),
    overheadMs: median(probe) - median(bare),
    inflight,
    probes: done,
    failed,
    wallMs,
    probesPerSec: (done * 1000) / wallMs,
    clientCpuMsPerProbe: (cpu.user + cpu.system) / 1000 / Math.max(1, done),
    loadedMedianMs: median(latencies),
  })}\n`,
);
