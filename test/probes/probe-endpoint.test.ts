import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROBES_DEFAULT, type ProbesConfig } from '../../src/config/probes-config.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { createProbeEndpoint } from '../../src/probes/probe-endpoint.js';
import { createProbeScheduler, type ProbeScheduler } from '../../src/probes/scheduler.js';
import { startFakeSmtpServer, type FakeSmtpServer } from '../helpers/fake-smtp-server.js';

let fake: FakeSmtpServer;
let scheduler: ProbeScheduler;
let http: HttpServer;
let base: string;

test.before(async () => {
  fake = await startFakeSmtpServer();
  const config: ProbesConfig = {
    ...PROBES_DEFAULT,
    ehloName: 'probe.corpus.test',
    timeoutMs: 3000,
    targets: [{ kind: 'address', name: 'local', host: '127.0.0.1', port: fake.port, verify: false, profile: 'default', enumerate: false }],
  };
  scheduler = createProbeScheduler({ config, logger: silentLogger });
  http = await startHttpServer({ host: '127.0.0.1', port: 0, logger: silentLogger, routes: { '/probe': createProbeEndpoint(scheduler) } });
  base = `http://127.0.0.1:${http.address().port}`;
});

test.after(async () => {
  await scheduler.stop();
  await http.close();
  await fake.close();
});

test('unknown targets answer 404 and open no connection, whatever else the query says', async () => {
  for (const query of ['target=nope', `target=127.0.0.1:${fake.port}`, `target=nope&host=127.0.0.1&port=${fake.port}`, `target=${encodeURIComponent(`[::1]:${fake.port}`)}`]) {
    const res = await fetch(`${base}/probe?${query}`);
    assert.is(res.status, 404, query);
    assert.match(await res.text(), /Unknown target/);
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.is(fake.connections, 0);
});

test('a missing or repeated target parameter is a 400', async () => {
  assert.is((await fetch(`${base}/probe`)).status, 400);
  assert.is((await fetch(`${base}/probe?target=`)).status, 400);
  assert.is((await fetch(`${base}/probe?target=local&target=local`)).status, 400);
  assert.is(fake.connections, 0);
});

test('a configured target is probed now and answered in exposition format', async () => {
  const res = await fetch(`${base}/probe?target=local&host=192.0.2.1&port=1`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const body = await res.text();
  assert.ok(body.includes('smtp_tls_probe_success{target="local",mx="127.0.0.1"} 1'), body);
  assert.ok(body.includes('smtp_tls_probes_total{target="local",mx="127.0.0.1",result="ok"} 1'), body);
  assert.match(body, /smtp_tls_probe_tls_info\{target="local",mx="127\.0\.0\.1",protocol="TLSv1\.3",cipher="TLS_[A-Z0-9_]+"\} 1/);
  assert.not.ok(body.includes('process_cpu'), 'only probe metrics');
  assert.is(fake.connections, 1, 'the configured address, not the query, was used');
});

test.run();
