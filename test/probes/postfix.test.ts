/** The probe against a real Postfix smtpd, one service per scenario; skipped where Postfix cannot run. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeStarttls } from '../../src/probes/starttls-probe.js';
import type { ProbeOptions } from '../../src/probes/types.js';
import { freePort, waitFor } from '../helpers/daemon.js';
import { PKI, pki } from '../helpers/fake-smtp-server.js';
import { postfixAvailable, startPostfixInstance, type PostfixInstance } from '../helpers/postfix-instance.js';

const available = postfixAvailable();
let postfix: PostfixInstance | null = null;

/** One smtpd service per scenario: its `-o` overrides of the instance's main.cf. */
const SERVICES = {
  plaintext: { smtpd_tls_security_level: 'none' },
  tls13only: { smtpd_tls_protocols: '>=TLSv1.3' },
  onecipher: { smtpd_tls_protocols: '<=TLSv1.2', smtpd_tls_ciphers: 'high', tls_high_cipherlist: 'ECDHE-RSA-AES128-GCM-SHA256' },
  wrongname: { smtpd_tls_cert_file: `${PKI}wrongname.crt`, smtpd_tls_key_file: `${PKI}wrongname.key` },
  expired: { smtpd_tls_cert_file: `${PKI}expired.crt`, smtpd_tls_key_file: `${PKI}expired.key` },
};
type Service = keyof typeof SERVICES | 'standard';
const ports: Partial<Record<Service, number>> = {};

function probe(service: Service, extra: Partial<ProbeOptions> = {}) {
  return probeStarttls({
    target: `postfix-${service}`,
    host: '127.0.0.1',
    port: ports[service]!,
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
  if (!available.ok) return;
  const extraMaster: string[] = [];
  for (const [name, options] of Object.entries(SERVICES)) {
    const port = await freePort();
    ports[name as Service] = port;
    extraMaster.push(`127.0.0.1:${port} inet n - n - - smtpd`, ...Object.entries(options).map(([k, v]) => `  -o ${k}=${v}`));
  }
  postfix = await startPostfixInstance({ extraMaster });
  ports.standard = postfix.port;
});

/** Reported as skipped, with the reason, where Postfix cannot run. */
const postfixTest = available.ok ? test : test.skip;
if (!available.ok) console.log(`SKIPPED probes/postfix: ${available.why}`);

test.after(async () => {
  await postfix?.stop();
});

postfixTest('verified STARTTLS with Postfix: multi-line EHLO, TLS 1.3, trusted chain, matching name', async () => {
  const result = await probe('standard');
  assert.is(result.success, true, `${result.reason}: ${result.error}`);
  assert.is(result.transcript[0]?.text, '220 mx.corpus.test ESMTP Postfix');
  assert.ok(result.ehlo_extensions.includes('STARTTLS'));
  assert.ok(result.ehlo_extensions.includes('PIPELINING'));
  assert.is(result.protocol, 'TLSv1.3');
  assert.is(result.cert?.verified, true);
  assert.is(result.cert?.hostname_match, true);
  // Postfix writes its log through postlogd, a moment after the session.
  const log = await waitFor('the session in the Postfix log', () => {
    const text = readFileSync(postfix!.maillog, 'utf8');
    return /disconnect from localhost\[127\.0\.0\.1\] ehlo=1 starttls=1 quit=1 commands=3/.test(text) ? text : undefined;
  }, 5000);
  assert.match(log, /TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3/);
});

postfixTest('Postfix without TLS: starttls_not_offered', async () => {
  const result = await probe('plaintext');
  assert.is(result.reason, 'starttls_not_offered');
  assert.is(result.starttls_offered, false);
});

postfixTest('Postfix limited to TLS 1.3, client capped at 1.2: protocol_version', async () => {
  const result = await probe('tls13only', { profile: { ciphers: 'DEFAULT', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
  assert.is(result.reason, 'protocol_version');
});

postfixTest('Postfix with one cipher the profile does not offer: no_shared_cipher', async () => {
  const result = await probe('onecipher', { profile: { ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
  assert.is(result.reason, 'no_shared_cipher');
  const ok = await probe('onecipher', { profile: { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
  assert.is(ok.success, true, `${ok.reason}: ${ok.error}`);
  assert.is(ok.cipher, 'ECDHE-RSA-AES128-GCM-SHA256');
});

postfixTest('Postfix with a wrong-name or expired certificate: cert_* when verified, success when opportunistic', async () => {
  assert.is((await probe('wrongname')).reason, 'cert_hostname_mismatch');
  assert.is((await probe('expired')).reason, 'cert_expired');
  const loose = await probe('expired', { verify: false });
  assert.is(loose.success, true);
  assert.is(loose.cert?.verify_error, 'CERT_HAS_EXPIRED');
});

postfixTest('enumeration against Postfix', async () => {
  const result = await probe('tls13only', { enumerate: true, verify: false });
  assert.equal(result.protocols, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': true });
});

test.run();
