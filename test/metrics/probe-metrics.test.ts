import { Registry } from 'prom-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProbeMetrics, createScratchProbeMetrics } from '../../src/metrics/probe-metrics.js';
import type { ProbeResult } from '../../src/probes/types.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

function result(over: Partial<ProbeResult> = {}): ProbeResult {
  return {
    target: 'partner',
    host: 'mx1.corpus.test',
    port: 25,
    address: '127.0.0.1',
    servername: 'mx1.corpus.test',
    verify: true,
    success: true,
    reason: null,
    error: null,
    failed_phase: null,
    starttls_offered: true,
    ehlo_extensions: ['STARTTLS'],
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    cert: {
      subject: 'CN=mx1.corpus.test',
      issuer: 'CN=Corpus Test CA',
      not_before: '2026-11-23T03:01:23.000Z',
      not_after: '2036-11-20T03:01:23.000Z',
      sans: ['DNS:mx1.corpus.test'],
      serial: '01',
      fingerprint_sha256: 'AA',
      key_type: 'rsa',
      key_bits: 2048,
      signature_algorithm: 'sha256WithRSAEncryption',
      verified: true,
      verify_error: null,
      hostname_match: true,
      checked_name: 'mx1.corpus.test',
      chain: [],
    },
    timings: { connect: 0.001, greeting: 0.002, ehlo: 0.001, starttls: 0.001, handshake: 0.01, total: 0.015 },
    transcript: [],
    ...over,
  };
}

const failed = (reason: ProbeResult['reason']): ProbeResult =>
  result({ success: false, reason, failed_phase: 'handshake', protocol: null, cipher: null, cert: null, timings: { connect: 0.001, total: 0.3 } });

/** Exposition lines of one metric family, without comments. */
async function lines(registry: Registry, prefix: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(prefix) && !l.startsWith('#'));
}

test('a successful probe: every series, labelled target and mx', async () => {
  const registry = new Registry();
  const m = createProbeMetrics(registry);
  m.record('partner', 'mx1.corpus.test', result({ protocols: { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': null } }), NOW);
  const text = await registry.metrics();
  const L = '{target="partner",mx="mx1.corpus.test"';
  for (const expected of [
    `smtp_tls_probe_success${L}} 1`,
    `smtp_tls_probes_total${L},result="ok"} 1`,
    `smtp_tls_probe_duration_seconds${L},phase="handshake"} 0.01`,
    `smtp_tls_probe_duration_seconds${L},phase="total"} 0.015`,
    `smtp_tls_probe_tls_info${L},protocol="TLSv1.3",cipher="TLS_AES_256_GCM_SHA384"} 1`,
    `smtp_tls_probe_starttls_offered${L}} 1`,
    `smtp_tls_probe_cert_not_after_timestamp_seconds${L}} ${Date.parse('2036-11-20T03:01:23Z') / 1000}`,
    `smtp_tls_probe_cert_verified${L}} 1`,
    `smtp_tls_probe_cert_hostname_match${L}} 1`,
    `smtp_tls_probe_protocol_supported${L},protocol="TLSv1"} 0`,
    `smtp_tls_probe_protocol_supported${L},protocol="TLSv1.2"} 1`,
    `smtp_tls_probe_last_run_timestamp_seconds${L}} ${NOW / 1000}`,
  ]) {
    assert.ok(text.includes(`${expected}\n`), `missing ${expected}\n${text}`);
  }
  assert.not.ok(text.includes('protocol="TLSv1.3"} '), 'undetermined versions are not exported');
});

test('a failure replaces the gauges of the previous run and counts by reason', async () => {
  const registry = new Registry();
  const m = createProbeMetrics(registry);
  m.record('partner', 'mx1.corpus.test', result(), NOW);
  m.record('partner', 'mx1.corpus.test', failed('no_shared_cipher'), NOW + 60_000);
  assert.equal(await lines(registry, 'smtp_tls_probe_success'), ['smtp_tls_probe_success{target="partner",mx="mx1.corpus.test"} 0']);
  assert.equal(await lines(registry, 'smtp_tls_probe_tls_info'), []);
  assert.equal(await lines(registry, 'smtp_tls_probe_cert_'), []);
  assert.equal(await lines(registry, 'smtp_tls_probe_duration_seconds'), [
    'smtp_tls_probe_duration_seconds{target="partner",mx="mx1.corpus.test",phase="connect"} 0.001',
    'smtp_tls_probe_duration_seconds{target="partner",mx="mx1.corpus.test",phase="total"} 0.3',
  ]);
  assert.equal(await lines(registry, 'smtp_tls_probes_total'), [
    'smtp_tls_probes_total{target="partner",mx="mx1.corpus.test",result="ok"} 1',
    'smtp_tls_probes_total{target="partner",mx="mx1.corpus.test",result="no_shared_cipher"} 1',
  ]);
});

test('a new protocol or cipher does not leave the old tls_info series behind', async () => {
  const registry = new Registry();
  const m = createProbeMetrics(registry);
  m.record('partner', 'mx1.corpus.test', result(), NOW);
  m.record('partner', 'mx1.corpus.test', result({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' }), NOW);
  assert.equal(await lines(registry, 'smtp_tls_probe_tls_info'), [
    'smtp_tls_probe_tls_info{target="partner",mx="mx1.corpus.test",protocol="TLSv1.2",cipher="ECDHE-RSA-AES128-GCM-SHA256"} 1',
  ]);
});

test('retainMx removes every series of vanished MX hosts of that target only', async () => {
  const registry = new Registry();
  const m = createProbeMetrics(registry);
  m.record('gmail', 'mx1.corpus.test', result(), NOW);
  m.record('gmail', 'mx2.corpus.test', failed('timeout'), NOW);
  m.record('other', 'mx2.corpus.test', result(), NOW);
  m.retainMx('gmail', ['mx1.corpus.test']);
  const text = await registry.metrics();
  assert.not.ok(/target="gmail",mx="mx2\.corpus\.test"/.test(text), text);
  assert.ok(text.includes('smtp_tls_probes_total{target="gmail",mx="mx1.corpus.test",result="ok"} 1'));
  assert.ok(text.includes('smtp_tls_probe_success{target="other",mx="mx2.corpus.test"} 1'));
});

test('scratch registry renders only probe metrics', async () => {
  const scratch = createScratchProbeMetrics();
  scratch.metrics.record('partner', 'mx1.corpus.test', { ...failed('starttls_not_offered'), starttls_offered: false }, NOW);
  const { contentType, body } = await scratch.render();
  assert.match(contentType, /^text\/plain/);
  assert.ok(body.includes('smtp_tls_probe_success{target="partner",mx="mx1.corpus.test"} 0'));
  assert.not.ok(body.includes('process_'));
  assert.ok(body.includes('smtp_tls_probe_starttls_offered{target="partner",mx="mx1.corpus.test"} 0'));
  assert.ok(body.includes('smtp_tls_probes_total{target="partner",mx="mx1.corpus.test",result="starttls_not_offered"} 1'));
});

test.run();
