/**
 * OpenSMTPD 5.4–7.x log lines turned into session events. The wording changed almost every release:
 *   5.4–5.9  `smtp-in: Started TLS on session <id>: version=…, cipher=…, bits=…`
 *   5.7      `smtp-in: session <id>: TLS started version=…`
 *   6.0      `<id> smtp event=starttls address=… host=… ciphers="version=…, cipher=…, bits=…"`
 *   6.4      `<id> smtp starttls address=… host=… ciphers="…"`, `<id> mta starttls ciphers=…`
 *   6.7+     `<id> smtp tls ciphers=TLSv1.3:TLS_AES_256_GCM_SHA384:256`, `<id> mta tls ciphers=…`
 *   7.x      libtls: `cert-check result="…"`, io errors `handshake failed: …`
 */
import { reasonFromOpenSsl, reasonFromX509 } from './openssl-errors.js';
import { normaliseProtocol } from './tls-names.js';
import type { Direction, FailureReason, Trust } from './types.js';

export type SmtpdEvent =
  /** A session starts (inbound connection or outbound connect); carries the peer. */
  | { type: 'open'; id: string; dir: Direction; peer: string }
  /** The handshake completed. */
  | { type: 'tls'; id: string; dir: Direction; protocol: string; cipher: string; peer: string }
  /** The certificate check that follows a handshake. */
  | { type: 'cert'; id: string; dir: Direction; trust: Trust }
  /** `mta ssl_check_name: no match for '…' in cert`: the reason of the certificate failure to come. */
  | { type: 'name'; id: string; dir: Direction }
  /** A failure whose reason the line itself gives; `cert`: the session was refused over its certificate. */
  | { type: 'fail'; id: string; dir: Direction; reason: FailureReason; cert: boolean }
  /** An I/O error; whether it is a handshake failure depends on where the session was. */
  | { type: 'io'; id: string; dir: Direction; text: string; closes: boolean }
  /** Opportunistic TLS failed and the session goes on in plain text. */
  | { type: 'fallback'; id: string; dir: Direction }
  /** The session ended. */
  | { type: 'close'; id: string; dir: Direction }
  /** Any other line of a session. */
  | { type: 'other'; id: string; dir: Direction };

const MODERN = /^([0-9a-f]{16}) (smtp|mta) (.*)$/s;
const SESSION_ID = /session ([0-9a-f]{16})/;
const CERT_RESULT = /cert-check (?:address=\S+ host=\S+ )?result="([^"]*)"/;
const CLOSE_REASON = /^(?:disconnected|event=closed)(?: address=\S+ host=\S+)? +reason=(.*)$/s;

/** A session event, or null for lines that belong to no session (debug, route and queue lines). */
export function parseSmtpdLine(message: string): SmtpdEvent | null {
  const c = message.charCodeAt(0);
  if (c === 115 /* s */ && message.startsWith('smtp-')) return legacy(message);
  if (message.length < 22 || message.charCodeAt(16) !== 32) return null;
  const m = MODERN.exec(message);
  if (!m) return null;
  const id = m[1]!;
  const dir: Direction = m[2] === 'smtp' ? 'inbound' : 'outbound';
  const rest = m[3]!;

  if (rest.includes('ciphers=') && /^(?:tls|starttls|event=starttls) /.test(rest)) {
    const ciphers = /ciphers="?(.*?)"?$/.exec(rest)![1]!;
    return { type: 'tls', id, dir, ...parseCiphers(ciphers), peer: peerOf(rest) };
  }
  if (rest.includes('cert-check')) {
    const r = CERT_RESULT.exec(rest);
    if (r) return { type: 'cert', id, dir, trust: trustOfResult(r[1]!) };
  }
  if (dir === 'inbound') {
    if (rest.startsWith('connected ') || rest.startsWith('event=connected ')) {
      return { type: 'open', id, dir, peer: peerOf(rest) };
    }
    const close = CLOSE_REASON.exec(rest);
    if (close) return inboundClose(id, close[1]!);
    return { type: 'other', id, dir };
  }
  if (rest.startsWith('connecting ') || rest.startsWith('event=connecting ')) {
    return { type: 'open', id, dir, peer: peerOf(rest) };
  }
  if (rest.startsWith('ssl_check_name: ')) return { type: 'name', id, dir };
  if (rest.startsWith('error reason=') || rest.startsWith('event=error reason=')) {
    return mtaError(id, rest.slice(rest.indexOf('reason=') + 7));
  }
  if (rest.startsWith('closing reason=') || rest.startsWith('event=closing reason=')) {
    const reason = rest.slice(rest.indexOf('reason=') + 7);
    if (reason === 'ca-failure' || reason === 'tls-failure' || reason === 'tls-connect-failed') {
      return { type: 'fail', id, dir, reason: 'local_config', cert: false };
    }
    return { type: 'close', id, dir };
  }
  if (rest.startsWith('disconnected ') || rest.startsWith('event=closed ')) return { type: 'close', id, dir };
  return { type: 'other', id, dir };
}

/** `smtp disconnected reason=…` (6.4+, `event=closed` in 6.0). */
function inboundClose(id: string, reason: string): SmtpdEvent {
  const dir: Direction = 'inbound';
  if (reason.startsWith('"io-error: ')) {
    return { type: 'io', id, dir, text: reason.slice(11, reason.endsWith('"') ? -1 : undefined), closes: true };
  }
  switch (reason) {
    case 'cert-invalid':
    case 'cert-check-failed':
      return { type: 'fail', id, dir, reason: 'cert_verify_failed', cert: true };
    case 'no-client-cert':
      return { type: 'fail', id, dir, reason: 'cert_untrusted', cert: true };
    case 'no-ca':
    case 'ca-failure':
    case 'tls-accept-failed':
      return { type: 'fail', id, dir, reason: 'local_config', cert: false };
    default:
      return { type: 'close', id, dir };
  }
}

/** The text of `mta error reason=…` (6.x+) or `smtp-out: Error on session …: …` (5.x). */
function mtaError(id: string, text: string): SmtpdEvent {
  const dir: Direction = 'outbound';
  if (text.includes('opportunistic TLS failed') || text.includes('TLS failed, downgrading')) {
    return { type: 'fallback', id, dir };
  }
  if (text === 'SSL certificate check failed') {
    return { type: 'fail', id, dir, reason: 'cert_verify_failed', cert: true };
  }
  if (text.startsWith('TLS required but not supported')) {
    return { type: 'fail', id, dir, reason: 'starttls_not_offered', cert: false };
  }
  if (text.startsWith('STARTTLS rejected')) return { type: 'fail', id, dir, reason: 'starttls_rejected', cert: false };
  if (text.startsWith('IO Error: ')) return { type: 'io', id, dir, text: text.slice(10), closes: false };
  return { type: 'other', id, dir };
}

/** 5.4–5.9 (`smtp-in: Started TLS on session <id>: …`) and 5.7 (`smtp-in: session <id>: …`). */
function legacy(message: string): SmtpdEvent | null {
  const dir: Direction = message.startsWith('smtp-in: ') ? 'inbound' : 'outbound';
  const s = SESSION_ID.exec(message);
  if (!s) return null;
  const id = s[1]!;
  const text = message.slice(message.indexOf(': ') + 2);
  const after = message.slice(s.index + s[0].length).replace(/^:? ?/, '');

  if (text.startsWith('New session ') || (text.startsWith('session ') && after.endsWith(' established'))) {
    return { type: 'open', id, dir, peer: legacyPeer(after) };
  }
  if (text.startsWith('Connecting to ') || after.startsWith('connecting to ')) {
    const m = /(?:Connecting|connecting) to [a-z+]*:\/\/(\S+?)(?::\d+)? \(([^)]*)\)/.exec(message);
    return { type: 'open', id, dir, peer: m ? `${m[2]!}[${stripBrackets(m[1]!)}]` : '' };
  }
  const tls = /(?:Started TLS on session [0-9a-f]{16}: |TLS started )(.*)$/.exec(message);
  if (tls) return { type: 'tls', id, dir, ...parseCiphers(tls[1]!), peer: '' };
  const cert = /certificate verification (succeeded|failed)/.exec(message);
  if (cert) return { type: 'cert', id, dir, trust: cert[1] === 'succeeded' ? 'verified' : 'untrusted' };
  // An error after messages were sent is about an established session; it ends it.
  if (/error after \d+ message|Error on session [0-9a-f]{16} after /.test(message)) return { type: 'close', id, dir };
  if (message.includes('opportunistic TLS failed') || message.includes('TLS failed, downgrading')) {
    return { type: 'fallback', id, dir };
  }
  const err = /(?:Error on session [0-9a-f]{16}: |: error: )(.*)$/.exec(message);
  if (err && dir === 'outbound') return mtaError(id, err[1]!);
  const io = /IO error: (.*?)\)?$/.exec(message);
  if (io && dir === 'inbound') return { type: 'io', id, dir, text: io[1]!, closes: true };
  if (/SSL certificate check failed|certificate verification failed\)/.test(message)) {
    return { type: 'fail', id, dir, reason: 'cert_verify_failed', cert: true };
  }
  if (/did not present certificate|certificate not presented/.test(message)) {
    return { type: 'fail', id, dir, reason: 'cert_untrusted', cert: true };
  }
  if (/CA failure|no PKI suitable/.test(message)) return { type: 'fail', id, dir, reason: 'local_config', cert: false };
  if (/^(?:Closing session|Received disconnect|Disconnecting session)|closed|disconnected/.test(text)) {
    return { type: 'close', id, dir };
  }
  return { type: 'other', id, dir };
}

/**
 * `version=TLSv1.2, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256` (≤ 6.4)
 * or `TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256`.
 */
function parseCiphers(text: string): { protocol: string; cipher: string } {
  const old = /version=([^,]*), cipher=([^,]*)/.exec(text);
  if (old) return { protocol: normaliseProtocol(old[1]!), cipher: old[2]! };
  const parts = text.trim().split(':');
  let bits = parts.length;
  if (parts.length >= 3 && /^\d+$/.test(parts[parts.length - 1]!)) bits = parts.length - 1;
  return { protocol: normaliseProtocol(parts[0]!), cipher: parts.slice(1, bits).join(':') };
}

function trustOfResult(result: string): Trust {
  switch (result) {
    case 'success':
    case 'valid':
    case 'verified':
      return 'verified';
    case 'no certificate presented':
      return 'anonymous';
    default:
      return 'untrusted';
  }
}

function stripBrackets(a: string): string {
  return a.startsWith('[') && a.endsWith(']') ? a.slice(1, -1) : a;
}

/**
 * `address=127.0.0.1 host=localhost` → `localhost[127.0.0.1]`;
 * `address=smtp+tls://[::1]:25 host=<unknown>` → `[::1]`.
 */
function peerOf(rest: string): string {
  const a = /address=(\S+)/.exec(rest);
  if (!a) return '';
  let address = a[1]!.replace(/^[a-z+]+:\/\//, '');
  if (address.startsWith('[')) address = address.slice(1, address.indexOf(']'));
  else if (address.indexOf(':') === address.lastIndexOf(':')) address = address.replace(/:\d+$/, '');
  const h = /host=(\S+)/.exec(rest)?.[1] ?? '';
  const host = h === '<unknown>' ? '' : h;
  return `${host}[${address}]`;
}

/** `from host H [A]` (5.x). */
function legacyPeer(text: string): string {
  const m = /host (\S+) \[([^\]]+)\]/.exec(text);
  return m ? `${m[1] === '<unknown>' ? '' : m[1]!}[${m[2]!}]` : '';
}

/**
 * An I/O error of a session that had not finished its handshake: the reason, or null when the
 * text is a plain socket error (the session was not in TLS, or was past it).
 */
export function ioReason(text: string): FailureReason | null {
  let t = text.trim();
  if (t.startsWith('read failed') || t.startsWith('write failed')) return null;
  if (t === 'No SSL error' || t === 'No TLS error') return 'lost_connection';
  if (t.startsWith('handshake failed')) {
    t = t.replace(/^handshake failed(?: \(\d+\))?:? ?/, '');
    if (t === '' || t === 'unknown error') return 'other';
    if (t === 'unexpected EOF') return 'lost_connection';
    const r = reasonFromOpenSsl(t);
    if (r !== null) return r;
    if (/reset by peer|broken pipe/i.test(t)) return 'lost_connection';
    if (/timed out/i.test(t)) return 'timeout';
    return /certificate|verify/i.test(t) ? reasonFromX509(t) : 'other';
  }
  if (/^name `.*' not present in server certificate/.test(t) || t.startsWith('error verifying name')) {
    return 'cert_hostname_mismatch';
  }
  if (t === 'no server certificate') return 'cert_verify_failed';
  if (t.startsWith('certificate verification failed') || t.startsWith('certificate verify failed')) {
    return reasonFromX509(t);
  }
  return reasonFromOpenSsl(t);
}
