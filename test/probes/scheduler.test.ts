import { Registry } from 'prom-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROBES_DEFAULT, type ProbesConfig, type ProbeTargetConfig } from '../../src/config/probes-config.js';
import { silentLogger } from '../../src/logger.js';
import { createProbeMetrics } from '../../src/metrics/probe-metrics.js';
import type { MxRecord } from '../../src/probes/resolver.js';
import { createProbeScheduler, isValidCron, type ProbeFunction } from '../../src/probes/scheduler.js';
import { probeStarttls } from '../../src/probes/starttls-probe.js';
import { PKI, startFakeSmtpServer, type FakeSmtpServer } from '../helpers/fake-smtp-server.js';

/** A schedule that does not fire during a test: only the start-up run happens. */
const NEVER = '0 0 1 1 *';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

/** The real probe, counting how many run at once (per target and overall). */
function counting() {
  const stats = { active: 0, max: 0, perTarget: new Map<string, number>(), maxPerTarget: 0 };
  const probe: ProbeFunction = async (options, signal) => {
    stats.active += 1;
    stats.max = Math.max(stats.max, stats.active);
    const mine = (stats.perTarget.get(options.target) ?? 0) + 1;
    stats.perTarget.set(options.target, mine);
    stats.maxPerTarget = Math.max(stats.maxPerTarget, mine);
    try {
      return await probeStarttls(options, signal);
    } finally {
      stats.active -= 1;
      stats.perTarget.set(options.target, (stats.perTarget.get(options.target) ?? 1) - 1);
    }
  };
  return { stats, probe };
}

function addressTarget(name: string, fake: FakeSmtpServer, extra: Partial<ProbeTargetConfig> = {}): ProbeTargetConfig {
  return { kind: 'address', name, host: '127.0.0.1', port: fake.port, verify: false, profile: 'default', enumerate: false, ...extra } as ProbeTargetConfig;
}

function config(targets: ProbeTargetConfig[], extra: Partial<ProbesConfig> = {}): ProbesConfig {
  return { ...PROBES_DEFAULT, schedule: NEVER, jitterMs: 0, timeoutMs: 3000, ehloName: 'probe.corpus.test', targets, ...extra };
}

test('isValidCron accepts five and six fields and rejects nonsense', () => {
  assert.ok(isValidCron('*/5 * * * *'));
  assert.ok(isValidCron('*/10 * * * * *'));
  assert.not.ok(isValidCron('*/5 * * *'));
  assert.not.ok(isValidCron('every minute'));
});

test('every target runs once at start-up and lands in the metrics', async () => {
  const fake = await startFakeSmtpServer();
  const registry = new Registry();
  const scheduler = createProbeScheduler({ config: config([addressTarget('a', fake), addressTarget('b', fake)]), logger: silentLogger });
  try {
    scheduler.start(createProbeMetrics(registry));
    assert.ok(await until(() => fake.handshakes.length === 2, 3000), 'both targets probed');
    await sleep(50);
    const text = await registry.metrics();
    assert.ok(text.includes(`smtp_tls_probe_success{target="a",mx="127.0.0.1"} 1`), text);
    assert.ok(text.includes(`smtp_tls_probe_success{target="b",mx="127.0.0.1"} 1`), text);
  } finally {
    await scheduler.stop();
    await fake.close();
  }
});

test('cron runs a target again, never while its previous run is in flight', async () => {
  const fake = await startFakeSmtpServer({ hangBeforeGreeting: true });
  const { stats, probe } = counting();
  const scheduler = createProbeScheduler({
    config: config([addressTarget('slow', fake)], { schedule: '* * * * * *', timeoutMs: 1300 }),
    logger: silentLogger,
    probe,
  });
  try {
    scheduler.start(createProbeMetrics(new Registry()));
    assert.ok(await until(() => fake.connections >= 2, 4000), `second run, got ${fake.connections}`);
    assert.is(stats.maxPerTarget, 1, 'runs of one target never overlap');
  } finally {
    await scheduler.stop();
    await fake.close();
  }
});

test('the global concurrency limit holds', async () => {
  const fake = await startFakeSmtpServer({ greetingDelayMs: 250 });
  const targets = ['t1', 't2', 't3', 't4', 't5', 't6'].map((n) => addressTarget(n, fake));
  const { stats, probe } = counting();
  const scheduler = createProbeScheduler({ config: config(targets, { concurrency: 2 }), logger: silentLogger, probe });
  try {
    scheduler.start(createProbeMetrics(new Registry()));
    assert.ok(await until(() => scheduler.load().waiting === 4, 500), 'four wait for a slot');
    assert.ok(await until(() => fake.handshakes.length === 6, 4000), 'all probed');
    assert.is(stats.max, 2);
  } finally {
    await scheduler.stop();
    await fake.close();
  }
});

test('start delays are spread by the jitter', async () => {
  const fake = await startFakeSmtpServer();
  const scheduler = createProbeScheduler({ config: config([addressTarget('j', fake)], { jitterMs: 600 }), logger: silentLogger, random: () => 0.9 });
  try {
    scheduler.start(createProbeMetrics(new Registry()));
    await sleep(350);
    assert.is(fake.connections, 0, 'not before its delay');
    assert.ok(await until(() => fake.connections === 1, 1500));
  } finally {
    await scheduler.stop();
    await fake.close();
  }
});

test('stop aborts probes in flight and waiting ones; nothing is recorded', async () => {
  const fake = await startFakeSmtpServer({ hangBeforeGreeting: true });
  const registry = new Registry();
  const targets = ['h1', 'h2', 'h3'].map((n) => addressTarget(n, fake));
  const scheduler = createProbeScheduler({ config: config(targets, { concurrency: 2, timeoutMs: 20_000 }), logger: silentLogger });
  scheduler.start(createProbeMetrics(registry));
  assert.ok(await until(() => fake.open === 2, 2000));
  const t0 = Date.now();
  await scheduler.stop();
  assert.ok(Date.now() - t0 < 1000, `stop took ${Date.now() - t0} ms`);
  assert.ok(await until(() => fake.open === 0, 1000), 'sockets closed');
  await sleep(100);
  assert.is(fake.connections, 2, 'the waiting probe never started');
  assert.not.ok((await registry.metrics()).includes('smtp_tls_probe_success{'));
  await fake.close();
});

test('domain targets probe each MX host; vanished MX hosts lose their series', async () => {
  const fake = await startFakeSmtpServer();
  let records: MxRecord[] = [
    { exchange: 'mx1.corpus.test', priority: 10 },
    { exchange: 'mx2.corpus.test', priority: 20 },
    { exchange: 'mx3.corpus.test', priority: 30 },
  ];
  const looked: string[] = [];
  const registry = new Registry();
  const metrics = createProbeMetrics(registry);
  const target: ProbeTargetConfig = { kind: 'domain', name: 'corpus', domain: 'corpus.test', port: fake.port, mxLimit: 2, verify: true, caFile: `${PKI}ca.crt`, profile: 'default', enumerate: false };
  const scheduler = createProbeScheduler({
    config: config([target]),
    logger: silentLogger,
    resolveMx: async (domain) => {
      assert.is(domain, 'corpus.test');
      return records;
    },
    lookup: async (host) => {
      looked.push(host);
      return ['127.0.0.1'];
    },
  });
  try {
    const runs = await scheduler.runTarget('corpus', metrics);
    assert.equal(runs?.map((r) => [r.mx, r.result.success, r.result.reason]), [
      ['mx1.corpus.test', false, 'cert_hostname_mismatch'],
      ['mx2.corpus.test', false, 'cert_hostname_mismatch'],
    ]);
    assert.equal(looked.sort(), ['mx1.corpus.test', 'mx2.corpus.test']);
    records = [{ exchange: 'mx1.corpus.test', priority: 10 }];
    await scheduler.runTarget('corpus', metrics);
    const text = await registry.metrics();
    assert.ok(text.includes('smtp_tls_probes_total{target="corpus",mx="mx1.corpus.test",result="cert_hostname_mismatch"} 2'), text);
    assert.not.ok(text.includes('mx2.corpus.test'), text);
  } finally {
    await scheduler.stop();
    await fake.close();
  }
});

test('an MX look-up failure is a dns_error with an empty mx label', async () => {
  const registry = new Registry();
  const target: ProbeTargetConfig = { kind: 'domain', name: 'gone', domain: 'gone.test', port: 25, mxLimit: 3, verify: false, profile: 'default', enumerate: false };
  const scheduler = createProbeScheduler({
    config: config([target]),
    logger: silentLogger,
    resolveMx: async () => {
      throw Object.assign(new Error('queryMx ENOTFOUND gone.test'), { code: 'ENOTFOUND' });
    },
  });
  const runs = await scheduler.runTarget('gone', createProbeMetrics(registry));
  assert.is(runs?.[0]?.result.reason, 'dns_error');
  const text = await registry.metrics();
  assert.ok(text.includes('smtp_tls_probes_total{target="gone",mx="",result="dns_error"} 1'), text);
  await scheduler.stop();
});

test('an unreadable ca_file fails the probe without connecting', async () => {
  const fake = await startFakeSmtpServer();
  const scheduler = createProbeScheduler({ config: config([addressTarget('ca', fake, { caFile: '/nonexistent/ca.pem' })]), logger: silentLogger });
  try {
    const runs = await scheduler.runTarget('ca');
    assert.is(runs?.[0]?.result.reason, 'other');
    assert.match(runs?.[0]?.result.error ?? '', /ca_file/);
    assert.is(fake.connections, 0);
  } finally {
    await scheduler.stop();
    await fake.close();
  }
});

test('runTarget of an unknown name opens no connection', async () => {
  const fake = await startFakeSmtpServer();
  const scheduler = createProbeScheduler({ config: config([addressTarget('known', fake)]), logger: silentLogger });
  try {
    assert.is(await scheduler.runTarget('unknown'), null);
    assert.is(scheduler.has('unknown'), false);
    assert.is(fake.connections, 0);
  } finally {
    await scheduler.stop();
    await fake.close();
  }
});

test.run();
