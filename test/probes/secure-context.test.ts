import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROBES_DEFAULT, type ProbesConfig, type ProbeTargetConfig } from '../../src/config/probes-config.js';
import { silentLogger } from '../../src/logger.js';
import { createProbeScheduler } from '../../src/probes/scheduler.js';
import { probeContexts, SecureContextCache } from '../../src/probes/secure-context.js';
import { probeStarttls } from '../../src/probes/starttls-probe.js';
import type { ProbeOptions, TlsProfile } from '../../src/probes/types.js';
import { pki, startFakeSmtpServer } from '../helpers/fake-smtp-server.js';

const PROFILE: TlsProfile = { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' };
/** A CA file read anew: same bytes, another Buffer. */
const readCa = (): Buffer => Buffer.from(pki('ca.crt'));

test('the same profile and the same CA bytes share one context', () => {
  const cache = new SecureContextCache(4);
  const first = cache.get(PROFILE, readCa());
  assert.is(cache.get({ ...PROFILE }, readCa()), first);
  assert.is(cache.get(PROFILE, readCa().toString()), first, 'a PEM string with the same bytes');
  assert.is(cache.get(PROFILE, undefined), cache.get(PROFILE, undefined));
  assert.is(cache.size, 2);
});

test('another CA, cipher list or version range gets a context of its own', () => {
  const cache = new SecureContextCache(8);
  const base = cache.get(PROFILE, readCa());
  const others = [
    cache.get(PROFILE, pki('selfsigned.crt')),
    cache.get(PROFILE, undefined),
    cache.get({ ...PROFILE, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }, readCa()),
    cache.get({ ...PROFILE, minVersion: 'TLSv1.3' }, readCa()),
    cache.get({ ...PROFILE, maxVersion: 'TLSv1.2' }, readCa()),
  ];
  assert.is(new Set([base, ...others]).size, 6);
});

test('the cache stays within its limit', () => {
  const cache = new SecureContextCache(3);
  for (const ciphers of ['DEFAULT', 'HIGH', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'AES128-SHA']) {
    cache.get({ ...PROFILE, ciphers }, readCa());
  }
  assert.is(cache.size, 3);
});

test('a cipher list OpenSSL refuses throws and is not kept', () => {
  const cache = new SecureContextCache(3);
  assert.throws(() => cache.get({ ...PROFILE, ciphers: 'NOT-A-CIPHER' }, undefined), /no cipher match/);
  assert.is(cache.size, 0);
});

test('connections over a shared context do not resume sessions', async () => {
  const server = tls.createServer({ cert: pki('server.crt'), key: pki('server.key') }, (socket) => {
    socket.on('error', () => {});
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  const context = new SecureContextCache(1).get(PROFILE, readCa());
  try {
    for (let i = 0; i < 3; i++) {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'mx.corpus.test', secureContext: context });
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      assert.is(socket.isSessionReused(), false, `connection ${i + 1}`);
      assert.is(socket.authorized, true);
      socket.destroy();
    }
  } finally {
    server.close();
  }
});

function probeOptions(port: number, extra: Partial<ProbeOptions>): ProbeOptions {
  return { target: 'ctx', host: '127.0.0.1', port, servername: 'mx.corpus.test', verify: true, profile: PROFILE, ehloName: 'probe.corpus.test', timeoutMs: 3000, ...extra };
}

test('probes reuse the context of an unchanged profile and CA', async () => {
  const fake = await startFakeSmtpServer();
  try {
    const profile: TlsProfile = { ciphers: 'DEFAULT:!aNULL', minVersion: 'TLSv1.2' };
    const before = probeContexts.size;
    for (let i = 0; i < 3; i++) {
      const result = await probeStarttls(probeOptions(fake.port, { profile: { ...profile }, ca: readCa() }));
      assert.is(result.success, true, result.error ?? '');
    }
    assert.is(probeContexts.size, Math.min(before + 1, probeContexts.limit));
  } finally {
    await fake.close();
  }
});

test('a changed profile takes effect on the next probe', async () => {
  const fake = await startFakeSmtpServer();
  try {
    for (const maxVersion of ['TLSv1.2', undefined, 'TLSv1.2'] as const) {
      const result = await probeStarttls(probeOptions(fake.port, { profile: { ...PROFILE, maxVersion }, ca: readCa() }));
      assert.is(result.success, true, result.error ?? '');
      assert.is(result.protocol, maxVersion ?? 'TLSv1.3');
    }
  } finally {
    await fake.close();
  }
});

test('a rewritten ca_file takes effect on the next probe', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-ca-'));
  const caFile = join(dir, 'ca.pem');
  const fake = await startFakeSmtpServer();
  const target = { kind: 'address', name: 'ca', host: '127.0.0.1', port: fake.port, servername: 'mx.corpus.test', verify: true, caFile, profile: 'default', enumerate: false } as ProbeTargetConfig;
  const config: ProbesConfig = { ...PROBES_DEFAULT, schedule: '0 0 1 1 *', jitterMs: 0, timeoutMs: 3000, ehloName: 'probe.corpus.test', targets: [target] };
  const scheduler = createProbeScheduler({ config, logger: silentLogger });
  const probeWith = async (anchor: string) => {
    writeFileSync(caFile, pki(anchor));
    const runs = await scheduler.runTarget('ca');
    return runs?.[0]?.result;
  };
  try {
    assert.is((await probeWith('ca.crt'))?.success, true);
    const untrusted = await probeWith('selfsigned.crt');
    assert.is(untrusted?.reason, 'cert_untrusted');
    assert.is(untrusted?.cert?.verify_error, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.is((await probeWith('ca.crt'))?.success, true);
  } finally {
    await scheduler.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
