import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PeerTopK } from '../../src/metrics/peer-top-k.js';
import { rng } from '../helpers/rng.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');

test('counts exactly while few peers fail', () => {
  const t = new PeerTopK({ windowMs: 3_600_000, k: 2 });
  for (let i = 0; i < 5; i++) t.add('inbound', 'a[192.0.2.1]', 'no_shared_cipher', T0 + i);
  for (let i = 0; i < 3; i++) t.add('outbound', 'b[192.0.2.2]', 'timeout', T0 + i);
  t.add('inbound', 'c[192.0.2.3]', 'other', T0);
  assert.equal(t.top(T0 + 10), [
    { direction: 'inbound', peer: 'a[192.0.2.1]', reason: 'no_shared_cipher', count: 5 },
    { direction: 'outbound', peer: 'b[192.0.2.2]', reason: 'timeout', count: 3 },
  ]);
});

test('memory stays bounded with 50,000 distinct peers and heavy hitters survive', () => {
  const t = new PeerTopK({ windowMs: 3_600_000, k: 3, capacity: 100 });
  for (let i = 0; i < 50_000; i++) {
    t.add('inbound', `scanner${i}[198.51.100.${i % 250}]`, 'non_tls_data', T0 + i);
    if (i % 10 === 0) t.add('inbound', 'big[203.0.113.1]', 'no_shared_cipher', T0 + i);
  }
  assert.ok(t.size() <= 100 * 12, `size ${t.size()}`);
  const top = t.top(T0 + 50_000);
  assert.is(top[0]!.peer, 'big[203.0.113.1]');
  assert.ok(top[0]!.count >= 5000);
});

test('failures older than the window are forgotten', () => {
  const t = new PeerTopK({ windowMs: 60_000, k: 5 });
  t.add('inbound', 'old[192.0.2.9]', 'timeout', T0);
  t.add('inbound', 'new[192.0.2.8]', 'timeout', T0 + 90_000);
  assert.equal(t.top(T0 + 90_000).map((p) => p.peer), ['new[192.0.2.8]']);
  assert.equal(t.top(T0 + 200_000), []);
});

test('topCached sorts again at most once a second while failures arrive, and at once when idle buckets expire', () => {
  const t = new PeerTopK({ windowMs: 60_000, k: 5 });
  t.add('inbound', 'a[192.0.2.1]', 'timeout', T0);
  assert.is(t.topCached(T0)[0]!.count, 1);
  t.add('inbound', 'a[192.0.2.1]', 'timeout', T0 + 100);
  assert.is(t.topCached(T0 + 200)[0]!.count, 1, 'cached within the second');
  assert.is(t.topCached(T0 + 1000)[0]!.count, 2, 'refreshed after a second');
  assert.equal(t.topCached(T0 + 200_000), [], 'expired with the window even without new failures');
});

test('a full bucket keeps its more frequent half', () => {
  const t = new PeerTopK({ windowMs: 3_600_000, k: 3, capacity: 10 });
  for (let i = 0; i < 4; i++) for (let n = 0; n <= i; n++) t.add('inbound', `p${i}[192.0.2.${i}]`, 'other', T0);
  for (let i = 10; i < 16; i++) t.add('inbound', `q${i}[198.51.100.${i}]`, 'other', T0);
  t.add('inbound', 'new[203.0.113.9]', 'other', T0);
  assert.ok(t.size() <= 10);
  assert.equal(t.top(T0).map((p) => [p.peer, p.count]), [['p3[192.0.2.3]', 4], ['p2[192.0.2.2]', 3], ['p1[192.0.2.1]', 2]]);
});

test('a full bucket keeps exactly its capacity/2 largest counts, the first added of equal counts (random adds against a reference)', () => {
  const r = rng(5);
  for (let round = 0; round < 50; round++) {
    const capacity = 4 + Math.floor(r() * 12);
    const t = new PeerTopK({ windowMs: 3_600_000, k: 1000, capacity });
    // the reference: counts in insertion order, halved by a stable sort
    let ref: [string, number][] = [];
    for (let i = 0; i < 400; i++) {
      const peer = `p${Math.floor(r() * r() * 40)}[192.0.2.1]`;
      t.add('inbound', peer, 'other', T0);
      const at = ref.findIndex(([p]) => p === peer);
      if (at >= 0) {
        ref[at]![1]++;
        continue;
      }
      if (ref.length >= capacity) {
        const kept = new Set([...ref].sort((a, b) => b[1] - a[1]).slice(0, capacity >> 1).map(([p]) => p));
        ref = ref.filter(([p]) => kept.has(p));
      }
      ref.push([peer, 1]);
    }
    const got = new Map(t.top(T0).map((p) => [p.peer, p.count]));
    assert.equal(got, new Map(ref), `round ${round}, capacity ${capacity}`);
  }
});

test.run();
