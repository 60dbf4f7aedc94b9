import { Gauge, Registry } from 'prom-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Direction, FailureOutcome, FailureReason } from '../../src/logs/parsers/types.js';
import { createLogMetrics } from '../../src/metrics/log-metrics.js';
import { PeerFailuresGauge } from '../../src/metrics/peer-failures-gauge.js';
import { PeerTopK, type PeerCount } from '../../src/metrics/peer-top-k.js';
import { sampleValue } from '../helpers/metrics-text.js';

/** What PeerFailuresGauge puts in `values` (prom-client's types leave `sharedLabels` out). */
interface Sample {
  value: number;
  labels: object;
  sharedLabels: Record<string, string>;
}
const samples = async (g: PeerFailuresGauge): Promise<Sample[]> => (await g.get()).values as unknown as Sample[];

const T0 = Date.parse('2026-11-23T10:00:00Z');
const NAME = 'smtp_tls_peer_failures';

function failure(peer: string, reason: FailureReason = 'timeout', direction: Direction = 'inbound'): FailureOutcome {
  return { kind: 'failure', mta: 'postfix', direction, reason, peer, time: Number.NaN };
}

/** The text prom-client gives for a plain gauge set to `top`, in the same order. */
async function plainGaugeText(top: PeerCount[]): Promise<string> {
  const registry = new Registry();
  const g = new Gauge({
    name: NAME,
    help: 'TLS failures in the last peers.window for the top peers.top failing peers.',
    labelNames: ['direction', 'peer', 'reason'],
    registers: [registry],
  });
  for (const p of top) g.set({ direction: p.direction, peer: p.peer, reason: p.reason }, p.count);
  return registry.getSingleMetricAsString(NAME);
}

test('the exposition is the one of a plain gauge set to the top, in top order, escapes included', async () => {
  const topK = new PeerTopK({ windowMs: 3_600_000, k: 10 });
  const peers = ['a[192.0.2.1]', 'odd"name\\with\nbreaks[192.0.2.2]', 'c[192.0.2.3]'];
  peers.forEach((peer, i) => {
    for (let n = 0; n <= i; n++) topK.add(i % 2 ? 'outbound' : 'inbound', peer, 'no_shared_cipher', T0);
  });
  const registry = new Registry();
  new PeerFailuresGauge(registry, topK, () => T0 + 10);
  const got = await registry.getSingleMetricAsString(NAME);
  assert.is(got, await plainGaugeText(topK.top(T0 + 10)));
  assert.ok(got.indexOf('c[192.0.2.3]') < got.indexOf('a[192.0.2.1]'), 'most failures first');
});

test('scrapes between two refreshes of the top-K reuse the same samples', async () => {
  const topK = new PeerTopK({ windowMs: 3_600_000, k: 10 });
  topK.add('inbound', 'a[192.0.2.1]', 'timeout', T0);
  let now = T0;
  const g = new PeerFailuresGauge(new Registry(), topK, () => now);
  const first = (await g.get()).values;
  topK.add('inbound', 'a[192.0.2.1]', 'timeout', T0 + 100);
  now = T0 + 500;
  assert.is((await g.get()).values, first, 'no new samples within the second');
  now = T0 + 1000;
  const later = (await g.get()).values;
  assert.is.not(later, first);
  const labels = { direction: 'inbound', peer: 'a[192.0.2.1]', reason: 'timeout' };
  assert.equal(later, [{ value: 2, labels: {}, sharedLabels: labels }]);
});

test('a peer that stays in the top keeps its label object (and its formatted text) across refreshes', async () => {
  const topK = new PeerTopK({ windowMs: 3_600_000, k: 10 });
  topK.add('inbound', 'a[192.0.2.1]', 'timeout', T0);
  let now = T0;
  const g = new PeerFailuresGauge(new Registry(), topK, () => now);
  const [first] = await samples(g);
  topK.add('inbound', 'a[192.0.2.1]', 'timeout', T0 + 100);
  topK.add('outbound', 'b[192.0.2.2]', 'other', T0 + 100);
  now = T0 + 1000;
  const later = await samples(g);
  assert.is(later.length, 2);
  const a = later.find((v) => v.sharedLabels.peer === 'a[192.0.2.1]')!;
  assert.is(a.value, 2);
  assert.is(a.sharedLabels, first!.sharedLabels);
  assert.is.not(later.find((v) => v.sharedLabels.peer === 'b[192.0.2.2]')!.sharedLabels, first!.sharedLabels);
});

test('through the registry, values follow the top-K and a peer that leaves it disappears', async () => {
  const registry = new Registry();
  let now = T0;
  const m = createLogMetrics(registry, { peerWindowMs: 3_600_000, peerTop: 2, now: () => now });
  for (let i = 0; i < 3; i++) m.recordOutcome(failure('a[192.0.2.1]'));
  m.recordOutcome(failure('b[192.0.2.2]', 'other', 'outbound'));
  let text = await registry.metrics();
  assert.is(sampleValue(text, NAME, { peer: 'a[192.0.2.1]' }), 3);
  assert.is(sampleValue(text, NAME, { peer: 'b[192.0.2.2]', reason: 'other', direction: 'outbound' }), 1);

  now = T0 + 1000;
  m.recordOutcome(failure('a[192.0.2.1]'));
  for (let i = 0; i < 2; i++) m.recordOutcome(failure('c[192.0.2.3]'));
  now = T0 + 2000;
  text = await registry.metrics();
  assert.is(sampleValue(text, NAME, { peer: 'a[192.0.2.1]' }), 4, 'updated between scrapes');
  assert.is(sampleValue(text, NAME, { peer: 'c[192.0.2.3]' }), 2, 'entered the top');
  assert.is(sampleValue(text, NAME, { peer: 'b[192.0.2.2]' }), undefined, 'left the top');

  now = T0 + 3 * 3_600_000;
  text = await registry.metrics();
  assert.is(sampleValue(text, NAME, { peer: 'a[192.0.2.1]' }), undefined, 'expired with the window');
  assert.match(text, `# TYPE ${NAME} gauge`);
});

test.run();
