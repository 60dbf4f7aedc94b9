import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDaemonCommand } from '../../src/cli/daemon-command.js';
import { corpusPath } from '../helpers/corpus.js';
import { runExporter, startExporter, waitFor } from '../helpers/daemon.js';
import { captureIo } from '../helpers/io.js';
import { sampleSum, sampleValue } from '../helpers/metrics-text.js';

const NCS = readFileSync(corpusPath('postfix/in03_no_shared_cipher.log'), 'utf8');
const TLS13 = readFileSync(corpusPath('postfix/in01c_tls13_aes128.log'), 'utf8');
const lineCount = (s: string) => s.split('\n').filter(Boolean).length;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'daemon-'));
}

async function linesRead(d: { metrics(): Promise<string> }, path: string, want: number): Promise<string> {
  return waitFor(`lines_read=${want}`, async () => {
    const m = await d.metrics();
    return sampleValue(m, 'smtp_tls_log_lines_read_total', { path }) === want ? m : undefined;
  });
}

test('--version prints the version and exits 0', async () => {
  const r = await runExporter(['--version']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /^smtp-tls-exporter \d+\.\d+\.\d+/);
});

test('without a log or config and no default log it exits 2 and says what to do', async () => {
  const c = captureIo();
  const code = await runDaemonCommand([], c.io, { version: 'x', nodeVersion: 'y', exists: () => false });
  assert.is(code, 2);
  assert.match(c.stderr(), /neither \/var\/log\/mail\.log nor \/var\/log\/maillog exists/);
  assert.match(c.stderr(), /--log/);
  assert.match(c.stderr(), /demo/);
});

test('a bad configuration exits 2 naming the file and the key', async () => {
  const dir = tempDir();
  const file = join(dir, 'bad.yml');
  writeFileSync(file, 'logs:\n  - path: /x.log\n    format: qmail\nbogus: 1\n');
  const r = await runExporter(['--config', file]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /bad\.yml: logs\[0\]\.format: must be one of auto, postfix/);
  const u = await runExporter(['--no-such-flag']);
  assert.is(u.code, 2);
});

test('serves the landing page, /healthz and 404 for unknown paths', async () => {
  const dir = tempDir();
  const d = await startExporter(['--log', join(dir, 'mail.log'), '--state-dir', join(dir, 'state')]);
  try {
    const home = await d.get('/');
    assert.is(home.status, 200);
    assert.match(home.body, /<a href="\/metrics">/);
    assert.is((await d.get('/healthz')).status, 200);
    assert.is((await d.get('/nope')).status, 404);
  } finally {
    assert.is(await d.stop(), 0);
  }
});

test('a missing log file is waited for, then followed from its first byte', async () => {
  const dir = tempDir();
  const log = join(dir, 'mail.log');
  const d = await startExporter(['--log', log, '--state-dir', join(dir, 'state')]);
  try {
    assert.is(sampleValue(await d.metrics(), 'smtp_tls_log_up', { path: log }), 0);
    writeFileSync(log, NCS);
    const m = await linesRead(d, log, lineCount(NCS));
    assert.is(sampleValue(m, 'smtp_tls_log_up', { path: log }), 1);
    assert.is(sampleValue(m, 'smtp_tls_handshake_failures_total', { mta: 'postfix', direction: 'inbound', reason: 'no_shared_cipher' }), 1);
  } finally {
    await d.stop();
  }
});

test('SIGTERM then restart: lines written while down are read once, earlier lines not again', async () => {
  const dir = tempDir();
  const log = join(dir, 'mail.log');
  const args = ['--log', log, '--state-dir', join(dir, 'state')];
  writeFileSync(log, '');
  const a = await startExporter(args);
  appendFileSync(log, NCS);
  await linesRead(a, log, lineCount(NCS));
  assert.is(await a.stop('SIGTERM'), 0);
  assert.ok(existsSync(join(dir, 'state')), 'state dir written');
  appendFileSync(log, TLS13 + NCS);
  const b = await startExporter(args);
  try {
    const m = await linesRead(b, log, lineCount(TLS13) + lineCount(NCS));
    assert.is(sampleSum(m, 'smtp_tls_handshake_failures_total'), 1);
    assert.is(sampleSum(m, 'smtp_tls_handshakes_total', { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' }), 1);
  } finally {
    await b.stop();
  }
});

test('kill -9 then restart re-reads at most the unsaved tail and loses nothing', async () => {
  const dir = tempDir();
  const log = join(dir, 'mail.log');
  const args = ['--log', log, '--state-dir', join(dir, 'state')];
  writeFileSync(log, '');
  const a = await startExporter(args);
  appendFileSync(log, NCS);
  await linesRead(a, log, lineCount(NCS));
  await a.stop('SIGKILL');
  appendFileSync(log, TLS13);
  const b = await startExporter(args);
  try {
    const m = await waitFor('new lines read', async () => {
      const t = await b.metrics();
      return (sampleValue(t, 'smtp_tls_log_lines_read_total', { path: log }) ?? 0) >= lineCount(TLS13) &&
        sampleSum(t, 'smtp_tls_handshakes_total') === 1
        ? t
        : undefined;
    });
    const read = sampleValue(m, 'smtp_tls_log_lines_read_total', { path: log })!;
    assert.ok(read === lineCount(TLS13) || read === lineCount(TLS13) + lineCount(NCS), `read ${read}`);
  } finally {
    await b.stop();
  }
});

test('garbage bytes, invalid UTF-8 and a 5 MB line are skipped and counted; the daemon keeps going', async () => {
  const dir = tempDir();
  const log = join(dir, 'mail.log');
  writeFileSync(log, '');
  const d = await startExporter(['--log', log, '--state-dir', join(dir, 'state')]);
  try {
    appendFileSync(log, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0xc3, 0x28, 0x0a]));
    appendFileSync(log, Buffer.concat([Buffer.alloc(5 * 1024 * 1024, 0x78), Buffer.from('\n')]));
    appendFileSync(log, 'Nov 23 03:11:31 vm postfix/smtpd[1]: \u00ff\u0000 TLS garbage \ud800\n');
    appendFileSync(log, NCS);
    const m = await linesRead(d, log, 3 + lineCount(NCS));
    assert.is(sampleValue(m, 'smtp_tls_log_lines_oversized_total', { path: log }), 1);
    assert.is(sampleSum(m, 'smtp_tls_handshake_failures_total', { reason: 'no_shared_cipher' }), 1);
    assert.is(d.proc.exitCode, null);
  } finally {
    await d.stop();
  }
});

test('--log - reads standard input and exits 0 when it ends', async () => {
  const dir = tempDir();
  const d = await startExporter(['--log', '-', '--state-dir', join(dir, 'state')]);
  try {
    d.proc.stdin!.write(NCS);
    const m = await linesRead(d, 'stdin', lineCount(NCS));
    assert.is(sampleValue(m, 'smtp_tls_handshake_failures_total', { mta: 'postfix', direction: 'inbound', reason: 'no_shared_cipher' }), 1);
    assert.is(sampleValue(m, 'smtp_tls_log_up', { path: 'stdin' }), 1);
    d.proc.stdin!.end();
    assert.is(await waitFor('exit', () => (d.proc.exitCode === null ? undefined : d.proc.exitCode)), 0);
  } finally {
    await d.stop();
  }
});

test.run();
