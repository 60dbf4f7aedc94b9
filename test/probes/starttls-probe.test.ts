import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeStarttls } from '../../src/probes/starttls-probe.js';
import type { ProbeOptions, ProbeResult } from '../../src/probes/types.js';
import { closedPort, pki, startBlackhole, startFakeSmtpServer, type FakeSmtpOptions } from '../helpers/fake-smtp-server.js';

const CA = pki('ca.crt');

function options(port: number, extra: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    target: 'test',
    host: '127.0.0.1',
    port,
    verify: false,
    profile: { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' },
    ehloName: 'probe.corpus.test',
    timeoutMs: 3000,
    ...extra,
  };
}

async function probeFake(server: FakeSmtpOptions, extra: Partial<ProbeOptions> = {}): Promise<{ result: ProbeResult; connections: number; received: string[] }> {
  const fake = await startFakeSmtpServer(server);
  try {
    const result = await probeStarttls(options(fake.port, extra));
    return { result, connections: fake.connections, received: fake.received };
  } finally {
    await fake.close();
  }
}

test('verified probe: success with protocol, cipher, certificate facts and timings', async () => {
  const { result, received } = await probeFake({}, { verify: true, ca: CA, servername: 'mx.corpus.test' });
  assert.is(result.success, true, result.error ?? '');
  assert.is(result.reason, null);
  assert.is(result.starttls_offered, true);
  assert.is(result.address, '127.0.0.1');
  assert.is(result.protocol, 'TLSv1.3');
  assert.ok(result.cipher?.startsWith('TLS_'));
  const cert = result.cert!;
  assert.is(cert.subject, 'O=Corpus Test, CN=mx.corpus.test');
  assert.is(cert.issuer, 'O=Corpus Test, CN=Corpus Test CA');
  assert.equal(cert.sans, ['DNS:mx.corpus.test', 'DNS:localhost', 'IP:127.0.0.1']);
  assert.is(cert.not_after, '2036-11-20T03:01:23.000Z');
  assert.is(cert.verified, true);
  assert.is(cert.verify_error, null);
  assert.is(cert.hostname_match, true);
  assert.is(cert.key_type, 'rsa');
  assert.is(cert.key_bits, 2048);
  assert.is(cert.signature_algorithm, 'sha256WithRSAEncryption');
  assert.is(cert.chain.length, 2);
  for (const phase of ['connect', 'greeting', 'ehlo', 'starttls', 'handshake', 'total'] as const) {
    assert.type(result.timings[phase], 'number', phase);
  }
  assert.ok(result.timings.total! >= result.timings.handshake!);
  assert.equal(received.slice(0, 2), ['EHLO probe.corpus.test', 'STARTTLS']);
  assert.is(received.at(-1), 'QUIT', 'QUIT is sent inside TLS');
});

test('SNI carries the servername', async () => {
  const { result } = await probeFake({ tls: { cert: pki('wrongname.crt'), key: pki('wrongname.key') } }, { servername: 'wrongname.example', verify: true, ca: CA });
  assert.is(result.success, true, result.error ?? '');
  assert.is(result.cert?.checked_name, 'wrongname.example');
});

test('opportunistic probe succeeds on an untrusted certificate; the facts say what is wrong', async () => {
  const { result } = await probeFake({ tls: { cert: pki('selfsigned.crt'), key: pki('selfsigned.key') } }, { verify: false, ca: CA });
  assert.is(result.success, true);
  assert.is(result.cert?.verified, false);
  assert.is(result.cert?.verify_error, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.is(result.cert?.hostname_match, true);
});

test('cert_untrusted when verification is required and the chain is unknown', async () => {
  const { result } = await probeFake({ tls: { cert: pki('selfsigned.crt'), key: pki('selfsigned.key') } }, { verify: true, ca: CA });
  assert.is(result.success, false);
  assert.is(result.reason, 'cert_untrusted');
  assert.is(result.protocol, 'TLSv1.3', 'the session itself was negotiated');
});

test('system trust store does not know the test CA: cert_untrusted', async () => {
  const { result } = await probeFake({}, { verify: true });
  assert.is(result.reason, 'cert_untrusted');
  assert.is(result.cert?.verify_error, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});

test('expired certificate: cert_expired when verified, success with facts when opportunistic', async () => {
  const server = { tls: { cert: pki('expired.crt'), key: pki('expired.key') } };
  const strict = await probeFake(server, { verify: true, ca: CA });
  assert.is(strict.result.reason, 'cert_expired');
  assert.is(strict.result.cert?.not_after, '2025-01-01T00:00:00.000Z');
  const loose = await probeFake(server, { verify: false, ca: CA });
  assert.is(loose.result.success, true);
  assert.is(loose.result.cert?.verified, false);
  assert.is(loose.result.cert?.verify_error, 'CERT_HAS_EXPIRED');
});

test('wrong-name certificate: cert_hostname_mismatch when verified, success when opportunistic', async () => {
  const server = { tls: { cert: pki('wrongname.crt'), key: pki('wrongname.key') } };
  const strict = await probeFake(server, { verify: true, ca: CA, servername: 'mx.corpus.test' });
  assert.is(strict.result.reason, 'cert_hostname_mismatch');
  assert.is(strict.result.cert?.verified, true);
  assert.is(strict.result.cert?.hostname_match, false);
  const loose = await probeFake(server, { verify: false, ca: CA, servername: 'mx.corpus.test' });
  assert.is(loose.result.success, true);
  assert.is(loose.result.cert?.hostname_match, false);
});

test('multi-line greeting and multi-line EHLO are read whole', async () => {
  const { result } = await probeFake({
    greeting: ['220-mx.corpus.test ESMTP', '220-Unsolicited bulk mail is not welcome', '220 ready'],
    ehlo: ['250-mx.corpus.test Hello', '250-SIZE 52428800', '250-8BITMIME', '250-starttls', '250-AUTH PLAIN LOGIN', '250 CHUNKING'],
  });
  assert.is(result.success, true, result.error ?? '');
  assert.equal(result.ehlo_extensions, ['SIZE 52428800', '8BITMIME', 'STARTTLS', 'AUTH PLAIN LOGIN', 'CHUNKING']);
  assert.is(result.transcript.filter((l) => l.from === 'server' && l.text.startsWith('220-')).length, 2);
});

test('STARTTLS on the last EHLO line counts; in the greeting line it does not', async () => {
  const last = await probeFake({ ehlo: ['250-mx.corpus.test', '250-SIZE', '250 STARTTLS'] });
  assert.is(last.result.success, true);
  const first = await probeFake({ ehlo: ['250-mx.corpus.test STARTTLS', '250 SIZE'] });
  assert.is(first.result.reason, 'starttls_not_offered');
});

test('starttls_not_offered', async () => {
  const { result, received } = await probeFake({ ehlo: ['250-mx.corpus.test', '250 PIPELINING'] });
  assert.is(result.reason, 'starttls_not_offered');
  assert.is(result.starttls_offered, false);
  assert.is(received.at(-1), 'QUIT');
  assert.not.ok(received.includes('STARTTLS'));
});

test('starttls_rejected on 454', async () => {
  const { result } = await probeFake({ starttls: 'reject' });
  assert.is(result.reason, 'starttls_rejected');
  assert.match(result.error ?? '', /454 4\.7\.0/);
});

test('smtp_error on a 554 greeting and on a refused EHLO', async () => {
  const greeting = await probeFake({ greeting: ['554 5.7.1 mx.corpus.test: no SMTP service here'] });
  assert.is(greeting.result.reason, 'smtp_error');
  assert.is(greeting.result.failed_phase, 'greeting');
  const ehlo = await probeFake({ ehlo: ['550 5.7.1 go away'] });
  assert.is(ehlo.result.reason, 'smtp_error');
  assert.is(ehlo.result.failed_phase, 'ehlo');
});

test('smtp_error on a greeting that is not SMTP', async () => {
  const { result } = await probeFake({ greeting: ['SSH-2.0-OpenSSH_9.6'] });
  assert.is(result.reason, 'smtp_error');
});

test('no_shared_cipher', async () => {
  const { result } = await probeFake(
    { tls: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' } },
    { profile: { ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } },
  );
  assert.is(result.reason, 'no_shared_cipher');
  assert.is(result.failed_phase, 'handshake');
});

test('protocol_version: peer capped at TLS 1.2, profile requires 1.3', async () => {
  const { result } = await probeFake({ tls: { maxVersion: 'TLSv1.2' } }, { profile: { ciphers: 'DEFAULT', minVersion: 'TLSv1.3' } });
  assert.is(result.reason, 'protocol_version');
});

test('protocol_version: legacy-only peer', async () => {
  const { result } = await probeFake({ tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } });
  assert.is(result.reason, 'protocol_version');
});

test('a legacy profile reaches a legacy-only peer', async () => {
  const { result } = await probeFake(
    { tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } },
    { profile: { ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1' } },
  );
  assert.is(result.success, true, result.error ?? '');
  assert.is(result.protocol, 'TLSv1.1');
});

test('non_tls_data: plaintext in answer to the ClientHello', async () => {
  const { result } = await probeFake({ starttls: 'garbage' });
  assert.is(result.reason, 'non_tls_data');
});

test('non_tls_data: plaintext sent right behind the 220', async () => {
  const { result } = await probeFake({ starttls: 'garbage-immediately' });
  assert.is(result.reason, 'non_tls_data');
});

test('lost_connection: closed after 220 Ready', async () => {
  const { result } = await probeFake({ starttls: 'close' });
  assert.is(result.reason, 'lost_connection');
  assert.is(result.failed_phase, 'handshake');
});

test('timeout: hang after STARTTLS ends within the deadline', async () => {
  const t0 = Date.now();
  const { result } = await probeFake({ starttls: 'hang' }, { timeoutMs: 700 });
  const elapsed = Date.now() - t0;
  assert.is(result.reason, 'timeout');
  assert.is(result.failed_phase, 'handshake');
  assert.ok(elapsed >= 600 && elapsed < 1500, `took ${elapsed} ms`);
});

test('timeout: hang before the greeting; the phase deadline is shorter than the probe deadline', async () => {
  const t0 = Date.now();
  const { result } = await probeFake({ hangBeforeGreeting: true }, { timeoutMs: 5000, phaseTimeoutMs: 300 });
  const elapsed = Date.now() - t0;
  assert.is(result.reason, 'timeout');
  assert.is(result.failed_phase, 'greeting');
  assert.ok(elapsed < 1200, `took ${elapsed} ms`);
});

test('connect_refused', async () => {
  const port = await closedPort();
  const result = await probeStarttls(options(port));
  assert.is(result.reason, 'connect_refused');
  assert.is(result.failed_phase, 'connect');
});

test('connect_timeout: a listener that never accepts', async () => {
  const hole = await startBlackhole();
  try {
    const t0 = Date.now();
    const result = await probeStarttls(options(hole.port, { timeoutMs: 600 }));
    assert.is(result.reason, 'connect_timeout');
    assert.ok(Date.now() - t0 < 1500);
  } finally {
    await hole.close();
  }
});

test('dns_error from the injected resolver', async () => {
  const asked: string[] = [];
  const result = await probeStarttls(
    options(25, {
      host: 'mx.nowhere.test',
      lookup: async (host) => {
        asked.push(host);
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    }),
  );
  assert.equal(asked, ['mx.nowhere.test']);
  assert.is(result.reason, 'dns_error');
  assert.is(result.address, null);
});

test('dns_error for a .invalid name with the default resolver', async () => {
  const result = await probeStarttls(options(25, { host: 'mx.example.invalid' }));
  assert.is(result.reason, 'dns_error');
  assert.match(result.error ?? '', /ENOTFOUND/);
});

test('host names go through the injected resolver', async () => {
  const fake = await startFakeSmtpServer();
  try {
    const result = await probeStarttls(options(fake.port, { host: 'mx.corpus.test', lookup: async () => ['127.0.0.1'], verify: true, ca: CA }));
    assert.is(result.success, true, result.error ?? '');
    assert.is(result.address, '127.0.0.1');
    assert.is(result.cert?.checked_name, 'mx.corpus.test');
  } finally {
    await fake.close();
  }
});

test('IPv6 loopback', async () => {
  let fake;
  try {
    fake = await startFakeSmtpServer({ host: '::1' });
  } catch {
    return; // no IPv6 on this machine
  }
  try {
    const result = await probeStarttls(options(fake.port, { host: '::1' }));
    assert.is(result.success, true, result.error ?? '');
    assert.is(result.address, '::1');
  } finally {
    await fake.close();
  }
});

test('abort ends a hanging probe at once', async () => {
  const fake = await startFakeSmtpServer({ hangBeforeGreeting: true });
  try {
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 100);
    const result = await probeStarttls(options(fake.port, { timeoutMs: 5000 }), controller.signal);
    assert.ok(Date.now() - t0 < 1000);
    assert.is(result.success, false);
    assert.is(result.error, 'probe aborted');
  } finally {
    await fake.close();
  }
});

test('the socket is closed after every probe', async () => {
  const fake = await startFakeSmtpServer({ starttls: 'hang' });
  try {
    await probeStarttls(options(fake.port, { timeoutMs: 300 }));
    await new Promise((r) => setTimeout(r, 50));
    assert.is(fake.open, 0);
  } finally {
    await fake.close();
  }
});

test.run();
