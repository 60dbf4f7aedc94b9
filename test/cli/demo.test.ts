import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { restamp } from '../../src/demo/demo-writer.js';
import { MAIN, freePort, waitFor } from '../helpers/daemon.js';
import { sampleSum } from '../helpers/metrics-text.js';

test('restamp rewrites syslog, RFC 3339 and Exim timestamps and keeps the rest', () => {
  const d = new Date(2027, 0, 5, 7, 8, 9);
  assert.is(restamp('Nov 23 03:11:31 vm postfix/smtpd[1]: x', d), 'Jan  5 07:08:09 vm postfix/smtpd[1]: x');
  assert.is(restamp('2026-11-23 03:20:01 1abc <= a', d), '2027-01-05 07:08:09 1abc <= a');
  assert.is(restamp('2026-11-23 03:20:01.123 [42] 1abc <= a', d), '2027-01-05 07:08:09.123 [42] 1abc <= a');
  assert.match(restamp('2026-11-23T03:11:31.000000+00:00 vm sm-mta[1]: x', d), /^\d{4}-\d\d-\d\dT\S+ vm sm-mta\[1\]: x$/);
});

test('the demo serves every log metric with non-zero values within seconds', async () => {
  const port = await freePort();
  const proc = spawn(process.execPath, [MAIN, 'demo', '--listen', `127.0.0.1:${port}`, '--rate', '400', '--rotate-every', '2s'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const text = await waitFor(
      'all demo metrics',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const t = await res.text();
        const names = [
          'smtp_tls_handshakes_total',
          'smtp_tls_handshake_failures_total',
          'smtp_tls_peer_failures',
          'smtp_tls_log_lines_read_total',
          'smtp_tls_log_lines_unparsed_total',
          'smtp_tls_log_up',
          'smtp_tls_log_rotations_total',
          'smtp_tls_exporter_build_info',
        ];
        return names.every((n) => sampleSum(t, n) > 0) ? t : undefined;
      },
      20_000,
    );
    assert.match(err, /DEMO MODE/);
    assert.match(text, /smtp_tls_log_lag_bytes\{path="[^"]+"\} \d+/);
    assert.match(text, /smtp_tls_log_rotations_total\{path="[^"]+",kind="rename"\} \d+/);
    assert.ok(sampleSum(text, 'smtp_tls_handshakes_total', { mta: 'exim' }) > 0, 'Exim lines are part of the demo');
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
});

test.run();
