/**
 * The Prometheus exporter-toolkit web configuration file (`--web.config.file`): TLS for the
 * endpoint (optionally with client certificates) and HTTP basic authentication with bcrypt hashes.
 * https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md
 *
 * `http_server_config` is accepted for compatibility but has no effect here (reported in `notes`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type https from 'node:https';
import type { Socket } from 'node:net';
import { dirname, isAbsolute, resolve } from 'node:path';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, errorMessage } from '../errors.js';

/**
 * Checks one request: the Authorization header and, when the client-certificate policy needs a
 * per-connection check, the TLS socket the request came in on. Without that socket such a policy
 * refuses every request rather than let it through unchecked.
 */
export type Authorize = (authorization: string | undefined, socket?: Socket) => Promise<boolean>;

export interface WebConfig {
  /** HTTPS server options; absent when the endpoint stays plain HTTP. */
  tls?: https.ServerOptions;
  /** Present when basic auth or a per-connection client-certificate check is configured. */
  authorize?: Authorize;
  /** Accepted settings that have no effect (e.g. `http_server_config`), one sentence each. */
  notes: string[];
}

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS: Record<string, tls.SecureVersion> = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/** Go crypto/tls names (as used by exporter-toolkit) → OpenSSL names, TLS 1.2 suites only. */
const CIPHER_SUITES: Record<string, string> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};
/** TLS 1.3 suites cannot be configured in Go; they are listed so that such files still load. */
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users'];
const TLS_KEYS = [
  'cert_file',
  'key_file',
  'cert',
  'key',
  'client_auth_type',
  'client_ca_file',
  'client_allowed_sans',
  'min_version',
  'max_version',
  'cipher_suites',
  'prefer_server_cipher_suites',
  'curve_preferences',
];
const HTTP_KEYS = ['http2', 'headers'];

const BCRYPT_HASH = /^\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}$/;
/** Compared against when the user is unknown, so that the answer takes as long as for a known user. */
const DUMMY_HASH = '$2b$10$MAE.cy39z240JsFxd..Gk.59rmLDtu95XS1jBEheYzZoVoAbs.92G';
const CACHE_LIMIT = 256;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sha256(s: string | Buffer): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Reads and checks the web configuration file; every problem is reported at once in a ConfigError. */
export async function loadWebConfig(path: string): Promise<WebConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot read the web configuration file: ${errorMessage(err)}`], { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${path}: not valid YAML: ${errorMessage(err)}`], { cause: err });
  }
  if (doc === null || doc === undefined) return { notes: [] };
  if (!isObj(doc)) throw new ConfigError([`${path}: the web configuration must be a mapping of ${TOP_KEYS.join(', ')}`]);

  const problems: string[] = [];
  const notes: string[] = [];
  const problem = (key: string, what: string): void => {
    problems.push(`${path}: ${key}: ${what}`);
  };
  unknownKeys(doc, TOP_KEYS, '', problem);

  const base = dirname(resolve(path));
  const tlsSection = doc.tls_server_config;
  let tlsResult: { options: https.ServerOptions; policy: ClientAuthType; allowedSans: string[] } | undefined;
  if (tlsSection !== undefined && tlsSection !== null) {
    if (!isObj(tlsSection)) problem('tls_server_config', 'must be a mapping');
    // An empty section means plain HTTP, as with exporter-toolkit.
    else if (Object.keys(tlsSection).length > 0) tlsResult = await tlsOptions(tlsSection, base, problem);
  }

  const http = doc.http_server_config;
  if (http !== undefined && http !== null) {
    if (!isObj(http)) problem('http_server_config', 'must be a mapping');
    else {
      unknownKeys(http, HTTP_KEYS, 'http_server_config.', problem);
      notes.push(`${path}: http_server_config is accepted for compatibility and has no effect`);
    }
  }

  let users: Map<string, string> | undefined;
  const auth = doc.basic_auth_users;
  if (auth !== undefined && auth !== null) {
    if (!isObj(auth)) problem('basic_auth_users', 'must be a mapping of user name to bcrypt hash');
    else {
      users = new Map();
      for (const [user, hash] of Object.entries(auth)) {
        if (user.includes(':')) problem(`basic_auth_users.${user}`, 'a user name cannot contain ":"');
        else if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash))
          problem(`basic_auth_users.${user}`, 'must be a bcrypt hash ($2a$/$2b$/$2y$…, e.g. from `htpasswd -nBC 10 user`)');
        else users.set(user, hash);
      }
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const policy = tlsResult?.policy ?? 'NoClientCert';
  const certCheck = connectionCheck(policy, tlsResult?.allowedSans ?? []);
  const basic = users && users.size > 0 ? basicAuth(users) : undefined;
  const result: WebConfig = { notes };
  if (tlsResult) result.tls = tlsResult.options;
  if (certCheck || basic) {
    result.authorize = async (authorization, socket) => {
      if (certCheck && !certCheck(socket)) return false;
      return basic ? basic(authorization) : true;
    };
  }
  return result;
}

function unknownKeys(obj: Obj, allowed: string[], prefix: string, problem: (key: string, what: string) => void): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) problem(`${prefix}${key}`, `unknown key (allowed: ${allowed.join(', ')})`);
  }
}

async function tlsOptions(
  section: Obj,
  base: string,
  problem: (key: string, what: string) => void,
): Promise<{ options: https.ServerOptions; policy: ClientAuthType; allowedSans: string[] } | undefined> {
  const failures = { count: 0 };
  const p = (key: string, what: string): void => {
    failures.count += 1;
    problem(`tls_server_config.${key}`, what);
  };
  unknownKeys(section, TLS_KEYS, 'tls_server_config.', problem);

  const str = (key: string): string | undefined => {
    const v = section[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') {
      p(key, 'must be a non-empty string');
      return undefined;
    }
    return v;
  };
  const strList = (key: string): string[] => {
    const v = section[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      p(key, 'must be a list of strings');
      return [];
    }
    return v as string[];
  };
  const file = async (key: string, name: string | undefined): Promise<string | undefined> => {
    if (name === undefined) return undefined;
    const full = isAbsolute(name) ? name : resolve(base, name);
    try {
      return await readFile(full, 'utf8');
    } catch (err) {
      p(key, `cannot read ${full}: ${errorMessage(err)}`);
      return undefined;
    }
  };

  const certFile = str('cert_file');
  const keyFile = str('key_file');
  const certInline = str('cert');
  const keyInline = str('key');
  if (certFile && certInline) p('cert', 'set either cert or cert_file, not both');
  if (keyFile && keyInline) p('key', 'set either key or key_file, not both');
  if (!certFile && !certInline) p('cert_file', 'required when tls_server_config is set (or give the PEM text in cert)');
  if (!keyFile && !keyInline) p('key_file', 'required when tls_server_config is set (or give the PEM text in key)');
  const cert = certInline ?? (await file('cert_file', certFile));
  const key = keyInline ?? (await file('key_file', keyFile));

  const rawPolicy = section.client_auth_type ?? 'NoClientCert';
  let policy: ClientAuthType = 'NoClientCert';
  if (typeof rawPolicy === 'string' && (CLIENT_AUTH_TYPES as readonly string[]).includes(rawPolicy)) policy = rawPolicy as ClientAuthType;
  else p('client_auth_type', `${JSON.stringify(rawPolicy)} is not one of ${CLIENT_AUTH_TYPES.join(', ')}`);

  const caFile = str('client_ca_file');
  const ca = await file('client_ca_file', caFile);
  if (caFile && policy === 'NoClientCert')
    p('client_ca_file', 'client CAs are set but client_auth_type is NoClientCert (use RequireAndVerifyClientCert or VerifyClientCertIfGiven)');

  const allowedSans = strList('client_allowed_sans');
  if (allowedSans.length > 0 && policy !== 'RequireAndVerifyClientCert' && policy !== 'VerifyClientCertIfGiven')
    p('client_allowed_sans', 'needs client_auth_type RequireAndVerifyClientCert or VerifyClientCertIfGiven');

  const version = (key: string, dflt: tls.SecureVersion): tls.SecureVersion => {
    const v = section[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v === 'string' && v in TLS_VERSIONS) return TLS_VERSIONS[v]!;
    p(key, `${JSON.stringify(v)} is not one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
    return dflt;
  };
  const minVersion = version('min_version', 'TLSv1.2');
  const maxVersion = version('max_version', 'TLSv1.3');
  if (minVersion === 'TLSv1.3' && maxVersion === 'TLSv1.2') p('max_version', 'is lower than min_version');

  const suites: string[] = [];
  for (const name of strList('cipher_suites')) {
    const openssl = CIPHER_SUITES[name];
    if (openssl) suites.push(openssl);
    else if (!TLS13_SUITES.includes(name))
      p('cipher_suites', `${JSON.stringify(name)} is not a supported suite (allowed: ${[...Object.keys(CIPHER_SUITES), ...TLS13_SUITES].join(', ')})`);
  }

  const curves: string[] = [];
  for (const name of strList('curve_preferences')) {
    const c = CURVES[name];
    if (c) curves.push(c);
    else p('curve_preferences', `${JSON.stringify(name)} is not one of ${Object.keys(CURVES).join(', ')}`);
  }

  const prefer = section.prefer_server_cipher_suites;
  if (prefer !== undefined && prefer !== null && typeof prefer !== 'boolean') p('prefer_server_cipher_suites', 'must be true or false');

  if (failures.count > 0 || cert === undefined || key === undefined) return undefined;

  const options: https.ServerOptions = { cert, key, minVersion, maxVersion };
  if (suites.length > 0) {
    // Go leaves the TLS 1.3 suites alone whatever the list says; so does this.
    options.ciphers = [...TLS13_SUITES, ...suites].join(':');
  }
  if (curves.length > 0) options.ecdhCurve = curves.join(':');
  if (prefer === true) options.honorCipherOrder = true;
  if (ca !== undefined) options.ca = ca;
  switch (policy) {
    case 'NoClientCert':
      break;
    case 'RequireAndVerifyClientCert':
      options.requestCert = true;
      options.rejectUnauthorized = true;
      break;
    default:
      // Ask for a certificate and decide per connection (see connectionCheck).
      options.requestCert = true;
      options.rejectUnauthorized = false;
  }
  try {
    tls.createSecureContext(options);
  } catch (err) {
    p(certFile ? 'cert_file' : 'cert', `the certificate, key or CA cannot be used: ${errorMessage(err)}`);
    return undefined;
  }
  return { options, policy, allowedSans };
}

/** The subject alternative names of a certificate, without their `DNS:`/`IP Address:` prefixes. */
function sansOf(cert: tls.PeerCertificate): string[] {
  const raw = cert.subjectaltname ?? '';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => s.slice(s.indexOf(':') + 1));
}

/** The per-connection part of the client-certificate policy, or undefined when OpenSSL already enforces all of it. */
function connectionCheck(policy: ClientAuthType, allowedSans: string[]): ((socket: Socket | undefined) => boolean) | undefined {
  if (policy === 'NoClientCert' || policy === 'RequestClientCert') return undefined;
  if (policy === 'RequireAndVerifyClientCert' && allowedSans.length === 0) return undefined;
  return (socket) => {
    if (!socket || !(socket instanceof tls.TLSSocket)) return false;
    const cert = socket.getPeerCertificate();
    const present = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
    if (policy === 'RequireAnyClientCert') return present;
    if (!present) return policy === 'VerifyClientCertIfGiven';
    if (!socket.authorized) return false;
    if (allowedSans.length === 0) return true;
    const sans = sansOf(cert);
    return allowedSans.some((s) => sans.includes(s));
  };
}

/** Constant-time equality of two strings of any length. */
function sameString(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** Basic authentication against bcrypt hashes, with successful checks remembered. */
function basicAuth(users: Map<string, string>): (authorization: string | undefined) => Promise<boolean> {
  const good = new Set<string>();
  return async (authorization) => {
    if (!authorization) return false;
    const m = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // Look at every user so that the time taken does not depend on which one matched.
    let hash: string | undefined;
    for (const [name, h] of users) {
      if (sameString(name, user)) hash = h;
    }
    const key = sha256(`${user}\0${hash ?? ''}\0${password}`).toString('hex');
    if (hash !== undefined && good.has(key)) return true;
    const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
    if (!ok || hash === undefined) return false;
    if (good.size >= CACHE_LIMIT) good.delete(good.values().next().value as string);
    good.add(key);
    return true;
  };
}
