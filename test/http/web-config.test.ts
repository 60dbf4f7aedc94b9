import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { loadWebConfig, type WebConfig } from '../../src/http/web-config.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';

const PKI = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));
const pki = (name: string): string => readFileSync(join(PKI, name), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'web-config-'));
let n = 0;

/** Writes a web configuration file and returns its path. */
function webConfigFile(text: string): string {
  n += 1;
  const path = join(tmp, `web-${n}.yml`);
  writeFileSync(path, text);
  return path;
}

const PASSWORD = `s3cret-${process.pid}`;
const HASH = bcrypt.hashSync(PASSWORD, 4);

/** tls_server_config lines of a server that requires a client certificate signed by the test CA. */
const MTLS_SERVER = [
  'tls_server_config:',
  `  cert_file: ${join(PKI, 'server.crt')}`,
  `  key_file: ${join(PKI, 'server.key')}`,
  '  client_auth_type: RequireAndVerifyClientCert',
  `  client_ca_file: ${join(PKI, 'ca.crt')}`,
];

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

const routes = {
  '/metrics': () => ({ status: 200, contentType: 'text/plain; version=0.0.4', body: 'smtp_tls_log_up{path="x"} 1\n' }),
};

async function serve(config: WebConfig): Promise<HttpServer> {
  const options: Parameters<typeof startHttpServer>[0] = { host: '127.0.0.1', port: 0, routes, logger: silentLogger };
  if (config.tls) options.tls = config.tls;
  if (config.authorize) options.authorize = config.authorize;
  return startHttpServer(options);
}

interface Reply {
  status?: number;
  body?: string;
  error?: string;
}

interface Client {
  tls?: boolean;
  authorization?: string;
  cert?: string;
  key?: string;
}

/** One GET /metrics with a real client; a refused TLS connection comes back as `error`. */
function get(port: number, client: Client = {}): Promise<Reply> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (client.authorization) headers.authorization = client.authorization;
    const common = { host: '127.0.0.1', port, path: '/metrics', headers, agent: false as const };
    const onRes = (res: http.IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => resolve({ error: err.message }));
    };
    const req = client.tls
      ? https.get(
          { ...common, ca: pki('ca.crt'), servername: 'localhost', ...(client.cert ? { cert: client.cert, key: client.key } : {}) },
          onRes,
        )
      : http.get(common, onRes);
    req.on('error', (err) => resolve({ error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

async function configError(text: string): Promise<ConfigError> {
  const path = webConfigFile(text);
  try {
    await loadWebConfig(path);
  } catch (err) {
    assert.instance(err, ConfigError);
    const e = err as ConfigError;
    assert.ok(e.problems.every((p) => p.startsWith(`${path}: `)), `every problem names the file: ${e.message}`);
    return e;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('an empty file, or an empty tls_server_config, leaves the endpoint open and plain', async () => {
  for (const text of ['', 'tls_server_config: {}\n', 'tls_server_config:\nbasic_auth_users: {}\n']) {
    const cfg = await loadWebConfig(webConfigFile(text));
    assert.is(cfg.tls, undefined, text);
    assert.is(cfg.authorize, undefined, text);
  }
});

test('basic auth over HTTP: no password 401, wrong password 401, unknown user 401, right one 200', async () => {
  const cfg = await loadWebConfig(webConfigFile(`basic_auth_users:\n  prometheus: ${JSON.stringify(HASH)}\n`));
  assert.ok(cfg.authorize);
  assert.is(cfg.tls, undefined);
  const server = await serve(cfg);
  try {
    const { port } = server.address();
    const none = await get(port);
    assert.is(none.status, 401);
    const wrong = await get(port, { authorization: basic('prometheus', `${PASSWORD}x`) });
    assert.is(wrong.status, 401);
    const stranger = await get(port, { authorization: basic('someone', PASSWORD) });
    assert.is(stranger.status, 401);
    const garbage = await get(port, { authorization: 'Bearer abc' });
    assert.is(garbage.status, 401);
    const ok = await get(port, { authorization: basic('prometheus', PASSWORD) });
    assert.is(ok.status, 200);
    assert.match(ok.body ?? '', /smtp_tls_log_up/);
    // Remembered success: the second scrape is still accepted, and a wrong password still is not.
    assert.is((await get(port, { authorization: basic('prometheus', PASSWORD) })).status, 200);
    assert.is((await get(port, { authorization: basic('prometheus', 'nope') })).status, 401);
  } finally {
    await server.close();
  }
});

test('a remembered success does not let a different password through', async () => {
  const cfg = await loadWebConfig(webConfigFile(`basic_auth_users:\n  a: ${JSON.stringify(HASH)}\n  b: ${JSON.stringify(bcrypt.hashSync('other', 4))}\n`));
  const authorize = cfg.authorize!;
  assert.is(await authorize(basic('a', PASSWORD)), true);
  assert.is(await authorize(basic('a', PASSWORD)), true);
  assert.is(await authorize(basic('b', PASSWORD)), false);
  assert.is(await authorize(basic('b', 'other')), true);
  assert.is(await authorize(basic('a', 'other')), false);
  assert.is(await authorize(undefined), false);
});

test('htpasswd-style $2y$ hashes are accepted', async () => {
  const y = HASH.replace(/^\$2b\$/, '$2y$');
  const cfg = await loadWebConfig(webConfigFile(`basic_auth_users:\n  p: '${y}'\n`));
  assert.is(await cfg.authorize!(basic('p', PASSWORD)), true);
  assert.is(await cfg.authorize!(basic('p', 'bad')), false);
});

test('HTTPS with basic auth, paths relative to the file', async () => {
  const dir = mkdtempSync(join(tmp, 'rel-'));
  writeFileSync(join(dir, 'tls.crt'), pki('server.crt'));
  writeFileSync(join(dir, 'tls.key'), pki('server.key'));
  const path = join(dir, 'web.yml');
  writeFileSync(path, `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  prometheus: '${HASH}'\n`);
  const cfg = await loadWebConfig(path);
  assert.ok(cfg.tls);
  const server = await serve(cfg);
  try {
    const { port } = server.address();
    assert.is((await get(port, { tls: true })).status, 401);
    assert.is((await get(port, { tls: true, authorization: basic('prometheus', 'wrong') })).status, 401);
    assert.is((await get(port, { tls: true, authorization: basic('prometheus', PASSWORD) })).status, 200);
    const plain = await get(port, { authorization: basic('prometheus', PASSWORD) });
    assert.is.not(plain.status, 200, 'plain HTTP must not be served on the TLS port');
  } finally {
    await server.close();
  }
});

test('mTLS RequireAndVerifyClientCert: no certificate and a self-signed one are refused, a CA-signed one gets 200', async () => {
  const cfg = await loadWebConfig(
    webConfigFile(
      [
        ...MTLS_SERVER,
        '  min_version: TLS12',
        '',
      ].join('\n'),
    ),
  );
  const server = await serve(cfg);
  try {
    const { port } = server.address();
    const none = await get(port, { tls: true });
    assert.ok(none.error, `no client certificate must be refused, got status ${none.status}`);
    const rogue = await get(port, { tls: true, cert: pki('rogueclient.crt'), key: pki('rogueclient.key') });
    assert.ok(rogue.error, `a self-signed client certificate must be refused, got status ${rogue.status}`);
    const good = await get(port, { tls: true, cert: pki('client.crt'), key: pki('client.key') });
    assert.is(good.status, 200, good.error);
  } finally {
    await server.close();
  }
});

test('mTLS plus basic auth: both are needed', async () => {
  const cfg = await loadWebConfig(
    webConfigFile(
      [
        ...MTLS_SERVER,
        'basic_auth_users:',
        `  prometheus: '${HASH}'`,
        '',
      ].join('\n'),
    ),
  );
  const server = await serve(cfg);
  try {
    const { port } = server.address();
    const cert = { cert: pki('client.crt'), key: pki('client.key') };
    assert.is((await get(port, { tls: true, ...cert })).status, 401);
    assert.is((await get(port, { tls: true, ...cert, authorization: basic('prometheus', PASSWORD) })).status, 200);
  } finally {
    await server.close();
  }
});

/**
 * Policies that OpenSSL cannot enforce alone are checked per request on the TLS socket; this server
 * hands the socket to authorize the way the exporter's endpoint does.
 */
async function socketAwareServer(cfg: WebConfig): Promise<{ port: number; close: () => Promise<void> }> {
  const server = https.createServer(cfg.tls!, (req, res) => {
    void cfg.authorize!(req.headers.authorization, req.socket).then((ok) => {
      res.writeHead(ok ? 200 : 401).end(ok ? 'ok\n' : 'no\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const tlsHead = (policy: string, ca = true): string[] => [
  'tls_server_config:',
  `  cert_file: ${join(PKI, 'server.crt')}`,
  `  key_file: ${join(PKI, 'server.key')}`,
  `  client_auth_type: ${policy}`,
  ...(ca ? [`  client_ca_file: ${join(PKI, 'ca.crt')}`] : []),
];

test('VerifyClientCertIfGiven: none is fine, a CA-signed one is fine, a rogue one is refused', async () => {
  const cfg = await loadWebConfig(webConfigFile(tlsHead('VerifyClientCertIfGiven').join('\n')));
  assert.ok(cfg.authorize, 'the policy needs a per-connection check');
  assert.is(await cfg.authorize!(undefined), false, 'without the socket the check must refuse');
  const s = await socketAwareServer(cfg);
  try {
    assert.is((await get(s.port, { tls: true })).status, 200);
    assert.is((await get(s.port, { tls: true, cert: pki('client.crt'), key: pki('client.key') })).status, 200);
    const rogue = await get(s.port, { tls: true, cert: pki('rogueclient.crt'), key: pki('rogueclient.key') });
    assert.ok(rogue.error || rogue.status === 401, `rogue certificate must be refused, got ${rogue.status}`);
  } finally {
    await s.close();
  }
});

test('RequireAnyClientCert: none is refused, any certificate is accepted', async () => {
  const cfg = await loadWebConfig(webConfigFile(tlsHead('RequireAnyClientCert', false).join('\n')));
  const s = await socketAwareServer(cfg);
  try {
    const none = await get(s.port, { tls: true });
    assert.ok(none.error || none.status === 401, `no certificate must be refused, got ${none.status}`);
    assert.is((await get(s.port, { tls: true, cert: pki('rogueclient.crt'), key: pki('rogueclient.key') })).status, 200);
  } finally {
    await s.close();
  }
});

test('client_allowed_sans restricts verified client certificates', async () => {
  const base = tlsHead('RequireAndVerifyClientCert');
  const allowed = await loadWebConfig(webConfigFile([...base, '  client_allowed_sans: [client.corpus.test]'].join('\n')));
  const denied = await loadWebConfig(webConfigFile([...base, '  client_allowed_sans: [other.corpus.test]'].join('\n')));
  const cert = { cert: pki('client.crt'), key: pki('client.key') };
  for (const [cfg, want] of [
    [allowed, 200],
    [denied, 401],
  ] as const) {
    const s = await socketAwareServer(cfg);
    try {
      assert.is((await get(s.port, { tls: true, ...cert })).status, want);
    } finally {
      await s.close();
    }
  }
});

test('cipher_suites, curve_preferences and versions map to OpenSSL settings', async () => {
  const cfg = await loadWebConfig(
    webConfigFile(
      [
        ...tlsHead('NoClientCert', false),
        '  min_version: TLS12',
        '  max_version: TLS12',
        '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]',
        '  curve_preferences: [CurveP256]',
        '  prefer_server_cipher_suites: true',
      ].join('\n'),
    ),
  );
  assert.is(cfg.tls!.minVersion, 'TLSv1.2');
  assert.is(cfg.tls!.maxVersion, 'TLSv1.2');
  assert.match(String(cfg.tls!.ciphers), /ECDHE-RSA-AES256-GCM-SHA384/);
  assert.is(cfg.tls!.ecdhCurve, 'P-256');
  const server = await serve(cfg);
  try {
    const { port } = server.address();
    const cipher = await new Promise<string>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/metrics', ca: pki('ca.crt'), servername: 'localhost', agent: false }, (res) => {
        const socket = res.socket as import('node:tls').TLSSocket;
        resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
        res.resume();
      });
      req.on('error', reject);
    });
    assert.is(cipher, 'TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384');
  } finally {
    await server.close();
  }
});

test('http_server_config is accepted and reported as having no effect', async () => {
  const cfg = await loadWebConfig(webConfigFile('http_server_config:\n  http2: false\n'));
  assert.is(cfg.notes.length, 1);
  assert.match(cfg.notes[0]!, /http_server_config/);
});

test('invalid files: a ConfigError names the file and the key, and what is allowed', async () => {
  let e = await configError('tls_server_confg:\n  cert_file: x\n');
  assert.match(e.message, /tls_server_confg: unknown key \(allowed: tls_server_config, http_server_config, basic_auth_users\)/);

  e = await configError(`${tlsHead('NoClientCert', false).join('\n')}\n  certfile: x\n`);
  assert.match(e.message, /tls_server_config\.certfile: unknown key/);

  e = await configError(tlsHead('RequireClientCert').join('\n'));
  assert.match(e.message, /tls_server_config\.client_auth_type: "RequireClientCert" is not one of NoClientCert, RequestClientCert/);

  e = await configError(`${tlsHead('NoClientCert', false).join('\n')}\n  min_version: TLS11\n`);
  assert.match(e.message, /tls_server_config\.min_version: "TLS11" is not one of TLS12, TLS13/);

  e = await configError(tlsHead('NoClientCert').join('\n'));
  assert.match(e.message, /tls_server_config\.client_ca_file: .*NoClientCert/);

  e = await configError('tls_server_config:\n  cert_file: /nonexistent/x.crt\n');
  assert.match(e.message, /tls_server_config\.cert_file: cannot read \/nonexistent\/x\.crt/);
  assert.match(e.message, /tls_server_config\.key_file: required/);

  e = await configError(`tls_server_config:\n  cert_file: ${join(PKI, 'server.crt')}\n  key_file: ${join(PKI, 'client.key')}\n`);
  assert.match(e.message, /tls_server_config\.cert_file: the certificate, key or CA cannot be used/);

  e = await configError(`${tlsHead('NoClientCert', false).join('\n')}\n  cipher_suites: [TLS_FANCY]\n`);
  assert.match(e.message, /tls_server_config\.cipher_suites: "TLS_FANCY" is not a supported suite/);

  e = await configError('basic_auth_users:\n  prometheus: plaintext-password\n');
  assert.match(e.message, /basic_auth_users\.prometheus: must be a bcrypt hash/);

  e = await configError('basic_auth_users: [a, b]\n');
  assert.match(e.message, /basic_auth_users: must be a mapping/);

  e = await configError('http_server_config:\n  http3: true\n');
  assert.match(e.message, /http_server_config\.http3: unknown key \(allowed: http2, headers\)/);

  e = await configError('tls_server_config: [\n');
  assert.match(e.message, /not valid YAML/);

  e = await configError('- a\n- b\n');
  assert.match(e.message, /must be a mapping/);
});

test('an unreadable file is a ConfigError naming it', async () => {
  const missing = join(tmp, 'missing.yml');
  try {
    await loadWebConfig(missing);
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, missing);
  }
});

test.run();
