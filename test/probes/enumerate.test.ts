import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profileOverlaps } from '../../src/probes/enumerate.js';
import { probeStarttls } from '../../src/probes/starttls-probe.js';
import type { ProbeOptions } from '../../src/probes/types.js';
import { startFakeSmtpServer, type FakeTlsOptions } from '../helpers/fake-smtp-server.js';

async function enumerate(tls: FakeTlsOptions, profile: ProbeOptions['profile'] = { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' }) {
  const fake = await startFakeSmtpServer({ tls });
  try {
    const result = await probeStarttls({
      target: 'enum',
      host: '127.0.0.1',
      port: fake.port,
      verify: false,
      profile,
      ehloName: 'probe.corpus.test',
      timeoutMs: 3000,
      enumerate: true,
    });
    return { result, connections: fake.connections, handshakes: fake.handshakes };
  } finally {
    await fake.close();
  }
}

test('a modern peer: TLS 1.2 and 1.3 only; one session per version plus the probe itself', async () => {
  const { result, connections, handshakes } = await enumerate({ minVersion: 'TLSv1.2' });
  assert.is(result.success, true);
  assert.equal(result.protocols, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
  assert.is(connections, 5);
  assert.equal(handshakes, ['TLSv1.3', 'TLSv1.2', 'TLSv1.3']);
});

test('a legacy peer at security level 0 accepts TLS 1.0 and 1.1; our side is not the limit', async () => {
  const { result } = await enumerate({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  assert.equal(result.protocols, { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': false, 'TLSv1.3': false });
  assert.is(result.reason, 'protocol_version');
});

test('handshake failure with no version in common is reported as protocol_version', async () => {
  const { result } = await enumerate(
    { minVersion: 'TLSv1.3' },
    { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' },
  );
  assert.is(result.reason, 'protocol_version');
  assert.equal(result.protocols, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': true });
});

test('handshake failure with versions in common stays no_shared_cipher', async () => {
  const { result } = await enumerate(
    { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
    { ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' },
  );
  assert.is(result.reason, 'no_shared_cipher');
  assert.is(result.protocols?.['TLSv1.2'], true);
});

test('no enumeration when the session never reached TLS', async () => {
  const fake = await startFakeSmtpServer({ starttls: 'reject' });
  try {
    const result = await probeStarttls({ target: 'e', host: '127.0.0.1', port: fake.port, verify: false, profile: { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' }, ehloName: 'p.test', timeoutMs: 2000, enumerate: true });
    assert.is(result.reason, 'starttls_rejected');
    assert.is(result.protocols, undefined);
    assert.is(fake.connections, 1);
  } finally {
    await fake.close();
  }
});

test('profileOverlaps treats unknown versions as possible', () => {
  const profile = { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' as const };
  assert.not.ok(profileOverlaps(profile, { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': false, 'TLSv1.3': false }));
  assert.ok(profileOverlaps(profile, { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': null, 'TLSv1.3': false }));
  assert.not.ok(profileOverlaps({ ...profile, maxVersion: 'TLSv1.2' }, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': true }));
});

test.run();
