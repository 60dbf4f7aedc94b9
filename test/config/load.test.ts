import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const FIX = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../config/smtp-tls-exporter.example.yml', import.meta.url));

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.unreachable('expected a ConfigError');
  return [];
}

test('the shipped example configuration is valid', () => {
  const c = loadConfig({ file: EXAMPLE, env: {} });
  assert.equal(c.listen, { host: '0.0.0.0', port: 10465 });
  assert.equal(c.logs, [{ kind: 'file', path: '/var/log/mail.log', format: 'auto', start_at: 'end' }]);
  assert.equal(c.peers, { windowMs: 3_600_000, top: 20 });
  assert.is(c.stateDir, '/var/lib/smtp-tls-exporter');
});

test('defaults apply without a file', () => {
  const c = loadConfig({ env: {} });
  assert.is(c.file, null);
  assert.equal(c.listen.port, 10465);
  assert.equal(c.logs, []);
});

const invalid: [string, RegExp][] = [
  ['invalid-unknown-key.yml', /invalid-unknown-key\.yml: listn: unknown key \(allowed: listen, state_dir, logs, /],
  ['invalid-nested-key.yml', /invalid-nested-key\.yml: peers\.topp: unknown key \(allowed under peers: window, top\)/],
  ['invalid-listen.yml', /invalid-listen\.yml: listen: must be HOST:PORT/],
  ['invalid-log-format.yml', /invalid-log-format\.yml: logs\[0\]\.format: must be one of auto, postfix/],
  ['invalid-log-key.yml', /invalid-log-key\.yml: logs\[0\]\.start: unknown key \(allowed: path, journal, format, start_at\)/],
  ['invalid-duration.yml', /invalid-duration\.yml: peers\.window: must be a duration/],
  ['invalid-yaml.yml', /invalid-yaml\.yml: not valid YAML \(line \d+\)/],
];
for (const [file, re] of invalid) {
  test(`${file} is rejected naming the file, the key and what is allowed`, () => {
    const p = problems(() => loadConfig({ file: join(FIX, file), env: {} }));
    assert.ok(p.some((x) => re.test(x)), p.join('\n'));
  });
}

test('a missing file is a configuration error naming it', () => {
  const p = problems(() => loadConfig({ file: join(FIX, 'nope.yml'), env: {} }));
  assert.match(p[0]!, /nope\.yml: cannot read the configuration file/);
});

test('environment overrides the file and flags override the environment', () => {
  const env = { SMTP_TLS_EXPORTER_LISTEN: '127.0.0.1:9999', SMTP_TLS_EXPORTER_PEERS_TOP: '5' };
  const c = loadConfig({ file: EXAMPLE, env });
  assert.equal(c.listen, { host: '127.0.0.1', port: 9999 });
  assert.is(c.peers.top, 5);
  const d = loadConfig({ file: EXAMPLE, env, overrides: { listen: '[::1]:1234', logs: ['/a.log', '-'] } });
  assert.equal(d.listen, { host: '::1', port: 1234 });
  assert.equal(d.logs.map((l) => l.kind), ['file', 'stdin']);
});

test('log sources can come from the environment as YAML or a comma-separated list', () => {
  const a = loadConfig({ env: { SMTP_TLS_EXPORTER_LOGS: '/var/log/a.log, /var/log/b.log' } });
  assert.equal(a.logs.map((l) => (l.kind === 'file' ? l.path : l.kind)), ['/var/log/a.log', '/var/log/b.log']);
  const b = loadConfig({ env: { SMTP_TLS_EXPORTER_LOGS: '[{path: /x.log, format: exim, start_at: beginning}]' } });
  assert.equal(b.logs, [{ kind: 'file', path: '/x.log', format: 'exim', start_at: 'beginning' }]);
});

test('an invalid environment value is reported', () => {
  const p = problems(() => loadConfig({ env: { SMTP_TLS_EXPORTER_LOG_LEVEL: 'loud' } }));
  assert.ok(p.some((x) => /log_level: must be one of the possible values: \["debug","info","warn","error"\]/.test(x)), p.join('\n'));
});

test.run();
