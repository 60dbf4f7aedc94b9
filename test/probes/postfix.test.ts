/** The probe against a real Postfix smtpd, one service per scenario; skipped where Postfix cannot run. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeStarttls } from '../../src/probes/starttls-probe.js';
import type { ProbeOptions } from '../../src/probes/types.js';
import { pki } from '../helpers/fake-smtp-server.js';
import { postfixUnavailable, startPostfix, type PostfixInstance } from '../helpers/postfix.js';

const unavailable = postfixUnavailable();
let postfix: PostfixInstance | null = null;

const SERVICES = {
  standard: {},
  plaintext: { options: { smtpd_tls_security_level: 'none' } },
  tls13only: { options: { smtpd_tls_protocols: '>=TLSv1.3' } },
  onecipher: { options: { smtpd_tls_protocols: '<=TLSv1.2', smtpd_tls_ciphers: 'high', tls_high_cipherlist: 'ECDHE-RSA-AES128-GCM-SHA256' } },
  wrongname: { options: { smtpd_tls_cert_file: '$ETC/wrongname.crt', smtpd_tls_key_file: '$ETC/wrongname.key' } },
  expired: { options: { smtpd_tls_cert_file: '$ETC/expired.crt', smtpd_tls_key_file: '$ETC/expired.key' } },
};

function probe(service: keyof typeof SERVICES, extra: Partial<ProbeOptions> = {}) {
  return probeStarttls({
    target: `postfix-${service}`,
    host: '127.0.0.1',
    port: postfix!.ports[service]!,
    servername: 'mx.corpus.test',
    verify: true,
    ca: pki('ca.crt'),
    profile: { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' },
    ehloName: 'probe.corpus.test',
    timeoutMs: 5000,
    ...extra,
  });
}

test.before(async () => {
  if (unavailable) {
    console.log(`  (postfix tests skipped: ${unavailable})`);
    return;
  }
  postfix = await startPostfix(SERVICES);
});

test.after(async () => {
  await postfix?.stop();
});

test('verified STARTTLS with Postfix: multi-line EHLO, TLS 1.3, trusted chain, matching name', async () => {
  if (!postfix) return;
  const result = await probe('standard');
  assert.is(result.success, true, `${result.reason}: ${result.error}`);
  assert.is(result.transcript[0]?.text, '220 mx.corpus.test ESMTP Postfix');
  assert.ok(result.ehlo_extensions.includes('STARTTLS'));
  assert.ok(result.ehlo_extensions.includes('PIPELINING'));
  assert.is(result.protocol, 'TLSv1.3');
  assert.is(result.cert?.verified, true);
  assert.is(result.cert?.hostname_match, true);
  assert.match(postfix.log(), /TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3/);
  assert.match(postfix.log(), /disconnect from localhost\[127\.0\.0\.1\] ehlo=1 starttls=1 quit=1 commands=3/);
});

test('Postfix without TLS: starttls_not_offered', async () => {
  if (!postfix) return;
  const result = await probe('plaintext');
  assert.is(result.reason, 'starttls_not_offered');
  assert.is(result.starttls_offered, false);
});

test('Postfix limited to TLS 1.3, client capped at 1.2: protocol_version', async () => {
  if (!postfix) return;
  const result = await probe('tls13only', { profile: { ciphers: 'DEFAULT', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
  assert.is(result.reason, 'protocol_version');
});

test('Postfix with one cipher the profile does not offer: no_shared_cipher', async () => {
  if (!postfix) return;
  const result = await probe('onecipher', { profile: { ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
  assert.is(result.reason, 'no_shared_cipher');
  const ok = await probe('onecipher', { profile: { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
  assert.is(ok.success, true, `${ok.reason}: ${ok.error}`);
  assert.is(ok.cipher, 'ECDHE-RSA-AES128-GCM-SHA256');
});

test('Postfix with a wrong-name or expired certificate: cert_* when verified, success when opportunistic', async () => {
  if (!postfix) return;
  assert.is((await probe('wrongname')).reason, 'cert_hostname_mismatch');
  assert.is((await probe('expired')).reason, 'cert_expired');
  const loose = await probe('expired', { verify: false });
  assert.is(loose.success, true);
  assert.is(loose.cert?.verify_error, 'CERT_HAS_EXPIRED');
});

test('enumeration against Postfix', async () => {
  if (!postfix) return;
  const result = await probe('tls13only', { enumerate: true, verify: false });
  assert.equal(result.protocols, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': true });
});

test.run();
