/**
 * The probes inside the running daemon, through the daemon command as main.ts runs it: configuration
 * file → scheduler → the daemon's /metrics, and /probe on the daemon's HTTP server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDaemonCommand } from '../../src/cli/daemon-command.js';
import { prepareDaemon } from '../../src/cli/prepare-daemon.js';
import { freePort } from '../helpers/daemon.js';
import { PKI, startFakeSmtpServer } from '../helpers/fake-smtp-server.js';
import { captureIo } from '../helpers/io.js';

async function until<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('scheduled probe results on /metrics, /probe for configured targets only', async () => {
  const good = await startFakeSmtpServer();
  const bad = await startFakeSmtpServer({ ehlo: ['250-mx.corpus.test', '250 PIPELINING'] });
  const dir = mkdtempSync(join(tmpdir(), 'daemon-probes-'));
  const file = join(dir, 'exporter.yml');
  writeFileSync(join(dir, 'mail.log'), '');
  const port = await freePort();
  writeFileSync(
    file,
    `listen: "127.0.0.1:${port}"
state_dir: ${join(dir, 'state')}
logs:
  - path: ${join(dir, 'mail.log')}
probes:
  schedule: "0 0 1 1 *"
  timeout: 3s
  jitter: 0s
  ehlo_name: probe.corpus.test
  targets:
    - name: local
      address: "127.0.0.1:${good.port}"
      servername: mx.corpus.test
      verify: true
      ca_file: ${join(PKI, 'ca.crt')}
    - name: plaintext
      address: "127.0.0.1:${bad.port}"
`,
  );
  const run = captureIo();
  const exited = runDaemonCommand(['--config', file], run.io, { version: '0.0.0-test', nodeVersion: process.versions.node, prepare: prepareDaemon });
  try {
    const base = `http://127.0.0.1:${port}`;
    const metrics = await until(async () => {
      const text = await fetch(`${base}/metrics`).then((r) => r.text(), () => '');
      return text.includes('smtp_tls_probe_success{target="plaintext"') && text.includes('smtp_tls_probe_success{target="local"') ? text : undefined;
    }, 5000);
    assert.ok(metrics, `both start-up probes recorded; stderr: ${run.stderr()}`);
    for (const line of [
      'smtp_tls_probe_success{target="local",mx="127.0.0.1"} 1',
      'smtp_tls_probe_cert_verified{target="local",mx="127.0.0.1"} 1',
      'smtp_tls_probe_cert_hostname_match{target="local",mx="127.0.0.1"} 1',
      'smtp_tls_probes_total{target="local",mx="127.0.0.1",result="ok"} 1',
      'smtp_tls_probe_success{target="plaintext",mx="127.0.0.1"} 0',
      'smtp_tls_probe_starttls_offered{target="plaintext",mx="127.0.0.1"} 0',
      'smtp_tls_probes_total{target="plaintext",mx="127.0.0.1",result="starttls_not_offered"} 1',
    ]) {
      assert.ok(metrics!.includes(`${line}\n`), `missing ${line}`);
    }
    assert.match(metrics!, /smtp_tls_probe_cert_not_after_timestamp_seconds\{target="local",mx="127\.0\.0\.1"\} 2110762883\n/);
    assert.match(metrics!, /process_cpu_user_seconds_total/, 'the daemon registry, not a separate one');

    const before = good.connections + bad.connections;
    const unknown = await fetch(`${base}/probe?target=${encodeURIComponent(`127.0.0.1:${good.port}`)}`);
    assert.is(unknown.status, 404);
    await new Promise((r) => setTimeout(r, 50));
    assert.is(good.connections + bad.connections, before, 'an unknown target opens no connection');

    const now = await fetch(`${base}/probe?target=local`);
    assert.is(now.status, 200);
    const body = await now.text();
    assert.ok(body.includes('smtp_tls_probe_success{target="local",mx="127.0.0.1"} 1'));
    assert.not.ok(body.includes('target="plaintext"'));
    assert.is(good.connections, 2);
    run.stop();
    assert.is(await exited, 0);
  } finally {
    run.stop();
    await exited;
    await good.close();
    await bad.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid probes section exits 2 naming the keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'daemon-probes-'));
  const file = join(dir, 'bad.yml');
  writeFileSync(join(dir, 'mail.log'), '');
  writeFileSync(
    file,
    `logs:
  - path: ${join(dir, 'mail.log')}
probes:
  schedule: "every 5 minutes"
  targets:
    - { name: a, address: "127.0.0.1:2525" }
    - { name: a, address: "127.0.0.1:2526", profile: strict }
`,
  );
  try {
    const run = captureIo();
    const code = await runDaemonCommand(['--config', file], run.io, { version: 't', nodeVersion: 'n', prepare: prepareDaemon });
    assert.is(code, 2);
    assert.match(run.stderr(), /bad\.yml: probes\.schedule: invalid cron expression "every 5 minutes"/);
    assert.match(run.stderr(), /bad\.yml: probes\.targets\[1\]\.name: duplicate name "a"/);
    assert.match(run.stderr(), /bad\.yml: probes\.targets\[1\]\.profile: unknown profile "strict" \(allowed: default\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
