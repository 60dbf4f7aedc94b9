import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CommandIo } from '../../src/cli/io.js';
import { runProbeCommand, type ProbeCommandDeps } from '../../src/cli/probe-command.js';
import { PKI, startFakeSmtpServer, type FakeSmtpOptions } from '../helpers/fake-smtp-server.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], deps: ProbeCommandDeps = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdin: new PassThrough(),
    env: {},
    cwd: PKI,
    stopSignal: new Promise<string>(() => {}),
  };
  const code = await runProbeCommand(args, io, deps);
  return { code, stdout, stderr };
}

async function withFake<T>(options: FakeSmtpOptions, fn: (address: string, port: number) => Promise<T>): Promise<T> {
  const fake = await startFakeSmtpServer(options);
  try {
    return await fn(fake.address, fake.port);
  } finally {
    await fake.close();
  }
}

test('--help prints usage and exits 0', async () => {
  const r = await run(['--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /^Usage: smtp-tls-exporter probe \[options\] HOST\[:PORT\]/);
  for (const flag of ['--json', '--timeout', '--servername', '--ca', '--verify', '--ciphers', '--min-version', '--max-version', '--enumerate', '--mx']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

test('usage errors exit 2 with a message on stderr', async () => {
  const cases: [string[], RegExp][] = [
    [[], /missing HOST/],
    [['a.test', 'b.test'], /expected one HOST/],
    [['--bogus', 'a.test'], /Unknown option '--bogus'/],
    [['--min-version', 'SSLv3', 'a.test'], /--min-version: "SSLv3"/],
    [['--min-version', 'TLSv1.3', '--max-version', 'TLSv1.2', 'a.test'], /above --max-version/],
    [['--ciphers', 'NOPE', 'a.test'], /no cipher match/],
    [['--timeout', 'soon', 'a.test'], /--timeout/],
    [['--ca', 'missing.pem', 'a.test'], /--ca: cannot read missing\.pem/],
    [['a.test:99999'], /out of range/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.is(r.stdout, '');
  }
});

test('text output reads like a troubleshooting session', async () => {
  const r = await withFake({ greeting: ['220-mx.corpus.test ESMTP', '220 no UCE'] }, (address) =>
    run(['--verify', '--ca', 'ca.crt', '--servername', 'mx.corpus.test', '--ehlo-name', 'probe.corpus.test', address]),
  );
  assert.is(r.code, 0, r.stdout + r.stderr);
  for (const expected of [
    /^Probing 127\.0\.0\.1:\d+ \(name checked: mx\.corpus\.test; verification required; ciphers DEFAULT, TLSv1\.2 or later\)$/m,
    /^S: 220-mx\.corpus\.test ESMTP$/m,
    /^S: 220 no UCE$/m,
    /^C: EHLO probe\.corpus\.test$/m,
    /^S: 250-STARTTLS$/m,
    /^C: STARTTLS$/m,
    /^S: 220 2\.0\.0 Ready to start TLS$/m,
    /^TLS: TLSv1\.3 with TLS_\w+$/m,
    /^ {2}0 subject: O=Corpus Test, CN=mx\.corpus\.test$/m,
    /^ {4}valid: {3}2026-11-23T03:01:23Z to 2036-11-20T03:01:23Z \(\d+ days left\)$/m,
    /^ {2}1 subject: O=Corpus Test, CN=Corpus Test CA$/m,
    /^Leaf key: rsa 2048 bits, signed with sha256WithRSAEncryption$/m,
    /^Verification: chain verified; certificate names mx\.corpus\.test$/m,
    /^Timings: .*connect [\d.]+ ms.*handshake [\d.]+ ms, total [\d.]+ ms$/m,
    /^Result: OK$/m,
  ]) {
    assert.match(r.stdout, expected);
  }
});

test('a failure gives the reason and a hint, and exits 1', async () => {
  const r = await withFake({ tls: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' } }, (address) =>
    run(['--ciphers', 'ECDHE-RSA-CHACHA20-POLY1305', '--max-version', 'TLSv1.2', address]),
  );
  assert.is(r.code, 1);
  assert.match(r.stdout, /^Result: FAILED no_shared_cipher in handshake: sslv3 alert handshake failure$/m);
  assert.match(r.stdout, /^Hint: .*--enumerate/m);
});

test('opportunistic: an expired certificate is shown but does not fail', async () => {
  const r = await withFake({ tls: { cert: readPki('expired.crt'), key: readPki('expired.key') } }, (address) => run(['--ca', 'ca.crt', address]));
  assert.is(r.code, 0);
  assert.match(r.stdout, /valid: {3}2024-01-01T00:00:00Z to 2025-01-01T00:00:00Z \(EXPIRED \d+ days ago\)/);
  assert.match(r.stdout, /Verification: chain NOT verified: CERT_HAS_EXPIRED \(the certificate has expired\).*give --verify/);
});

test('--json prints the result object', async () => {
  const r = await withFake({}, (address) => run(['--json', '--verify', '--ca', 'ca.crt', '--enumerate', '--timeout', '5', address]));
  assert.is(r.code, 0, r.stdout);
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ['target', 'host', 'port', 'address', 'success', 'reason', 'starttls_offered', 'protocol', 'cipher', 'cert', 'timings', 'protocols']) {
    assert.ok(key in json, key);
  }
  assert.is(json.success, true);
  assert.is(json.reason, null);
  assert.is(json.host, '127.0.0.1');
  const cert = json.cert as Record<string, unknown>;
  for (const key of ['subject', 'issuer', 'sans', 'not_before', 'not_after', 'verified', 'verify_error', 'hostname_match']) assert.ok(key in cert, key);
  assert.is(cert.not_after, '2036-11-20T03:01:23.000Z');
  assert.equal(json.protocols, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
  const timings = json.timings as Record<string, number>;
  for (const phase of ['connect', 'greeting', 'ehlo', 'starttls', 'handshake', 'total']) assert.type(timings[phase], 'number', phase);
});

test('--json on failure: exit 1 with the reason', async () => {
  const r = await withFake({ starttls: 'reject' }, (address) => run(['--json', address]));
  assert.is(r.code, 1);
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.is(json.success, false);
  assert.is(json.reason, 'starttls_rejected');
  assert.is(json.cert, null);
});

test('--timeout bounds a hanging server', async () => {
  const t0 = Date.now();
  const r = await withFake({ hangBeforeGreeting: true }, (address) => run(['--json', '--timeout', '0.5', address]));
  assert.is(r.code, 1);
  assert.is((JSON.parse(r.stdout) as { reason: string }).reason, 'timeout');
  assert.ok(Date.now() - t0 < 1500);
});

test('--mx probes every MX host the resolver gives', async () => {
  const asked: string[] = [];
  const r = await withFake({}, (_address, port) =>
    run(['--mx', '--json', `corpus.test:${port}`], {
      resolveMx: async (domain) => {
        asked.push(domain);
        return [
          { exchange: 'mx2.corpus.test', priority: 20 },
          { exchange: 'mx1.corpus.test', priority: 10 },
        ];
      },
      lookup: async () => ['127.0.0.1'],
    }),
  );
  assert.equal(asked, ['corpus.test']);
  assert.is(r.code, 0);
  const results = JSON.parse(r.stdout) as { host: string; success: boolean; port: number }[];
  assert.equal(results.map((x) => [x.host, x.success]), [
    ['mx1.corpus.test', true],
    ['mx2.corpus.test', true],
  ]);
});

test('--mx with a domain that does not resolve: dns_error, exit 1', async () => {
  const r = await run(['--mx', 'nowhere.invalid']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /Result: FAILED dns_error/);
});

function readPki(name: string): Buffer {
  return readFileSync(join(PKI, name));
}

test.run();
