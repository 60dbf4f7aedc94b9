/**
 * Pure helpers for Exim 4.8x–4.99 log lines: the mainlog header, message ids, `H=` host fields,
 * `X=`/`CV=`/`DN=` TLS fields and the handshake error texts of both TLS libraries.
 */
import { reasonFromGnuTls } from './gnutls-errors.js';
import { localTimeNear } from './local-time.js';
import { reasonFromOpenSsl, reasonFromX509 } from './openssl-errors.js';
import { normaliseProtocol } from './tls-names.js';
import type { FailureReason, LogLine, Trust } from './types.js';

const MAINLOG =
  /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{3}))?(?: ([+-])(\d\d)(\d\d))? (?:\[(\d+)\] )?(.*)$/s;

const twoDigits = (text: string, at: number): number => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

/**
 * One line of Exim's own mainlog (`log_file_path`), with or without the `+pid` / `+millisec`
 * selectors and `log_timezone`. Times without a zone are local time, as Exim writes them.
 */
export function parseEximMainlog(raw: string): LogLine | null {
  if (raw.length < 21 || raw.charCodeAt(4) !== 45 /* - */ || raw.charCodeAt(10) !== 32) return null;
  const m = MAINLOG.exec(raw);
  if (!m) return null;
  // the expression put two digits at each of these offsets
  const y = twoDigits(raw, 0) * 100 + twoDigits(raw, 2);
  const mo = twoDigits(raw, 5), d = twoDigits(raw, 8), h = twoDigits(raw, 11), mi = twoDigits(raw, 14), s = twoDigits(raw, 17);
  const ms = m[7] === undefined ? 0 : Number(m[7]);
  let time: number;
  if (m[8] !== undefined) {
    const offset = (Number(m[9]) * 60 + Number(m[10])) * 60_000 * (m[8] === '-' ? -1 : 1);
    time = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset;
  } else {
    time = localTimeNear(y, mo - 1, d, h, mi, s) + ms;
  }
  return { time, host: '', program: 'exim', pid: m[11] ?? '', message: m[12]! };
}

const EMBEDDED = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?(?: [+-]\d{4})? /;
const PID = /^\[(\d+)\] /;
const CHUNK = /^\[(\d+)[\\/]\d+\] /;

/**
 * The message text of a line as the parser wants it: without the timestamp Exim repeats inside
 * syslog messages (`syslog_timestamp`), without the `[pid]` of the `+pid` selector (returned
 * separately) and without the `[1\2]` marker of long lines split for syslog. Null for the
 * continuation chunks of such a split line.
 */
export function stripPrefixes(message: string, pid: string): { text: string; pid: string } | null {
  let text = message;
  const c = text.charCodeAt(0);
  if (c >= 48 && c <= 57 && text.charCodeAt(4) === 45) {
    const m = EMBEDDED.exec(text);
    if (m) text = text.slice(m[0].length);
  }
  if (text.charCodeAt(0) === 91 /* [ */) {
    const p = PID.exec(text);
    if (p) {
      text = text.slice(p[0].length);
      if (pid === '') pid = p[1]!;
    }
    const k = CHUNK.exec(text);
    if (k) {
      if (k[1] !== '1') return null;
      text = text.slice(k[0].length);
    }
  }
  return { text, pid };
}

/** Exim message ids: `1xVKfv-0006gb-1c` (≤ 4.96) and `1sIXS3-000000069nP-2yYi` (4.97+). */
const MESSAGE_ID = /^[0-9A-Za-z]{6}-([0-9A-Za-z]{6}|[0-9A-Za-z]{11})-[0-9A-Za-z]{2,4} /;

export interface MessageId {
  id: string;
  /** Pid of the process that received the message (encoded in the id), as a decimal string. */
  pid: string;
  /** Offset of the text after the id. */
  end: number;
}

export function messageIdOf(text: string): MessageId | null {
  if (text.charCodeAt(6) !== 45 /* - */) return null;
  const m = MESSAGE_ID.exec(text);
  if (!m) return null;
  const end = m[0].length;
  return { id: text.slice(0, end - 1), pid: String(base62(m[1]!)), end };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) n = n * 62 + BASE62.indexOf(s[i]!);
  return n;
}

const HOST_BODY = String.raw`(?:([^\s(\[]+) )?(?:\(([^)]*)\) )?\[([^\]\s]+)\](?::(\d+))?(\*)?`;
const HOST_AT = new RegExp(HOST_BODY, 'y');

export interface Host {
  /** `name[address]`, or `[address]` when Exim knows no verified name. */
  peer: string;
  address: string;
  /** The raw field, as a key for lines without a pid. */
  raw: string;
  /** `*`: delivered down a connection a previous delivery opened (no new handshake). */
  continued: boolean;
  /** Offset just after the field. */
  end: number;
}

function hostFrom(re: RegExp, text: string, at: number): Host | null {
  re.lastIndex = at;
  const m = re.exec(text);
  if (!m) return null;
  const name = m[1];
  return {
    peer: `${name ?? ''}[${m[3]!}]`,
    address: m[3]!,
    raw: m[0].trim(),
    continued: m[5] !== undefined,
    end: re.lastIndex,
  };
}

/** The first `H=` host field of a line. */
export function hostField(text: string): Host | null {
  let i = 0;
  if (!text.startsWith('H=')) {
    i = text.indexOf(' H=');
    if (i < 0) return null;
    i += 1;
  }
  return hostFrom(HOST_AT, text, i + 2);
}

/** A host written without `H=` (`TLS error on connection from <host> …`), starting at `at`. */
export function hostAt(text: string, at: number): Host | null {
  return hostFrom(HOST_AT, text, at);
}

export interface TlsFields {
  protocol: string;
  cipher: string;
  /** `CV=` value, '' when not logged. */
  cv: string;
  /** A `DN="…"` field is present. */
  dn: boolean;
  /** The raw `X=` value, for keys. */
  x: string;
}

/**
 * `X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256` (GnuTLS, 4.93+),
 * `X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256` (GnuTLS, ≤ 4.92), `X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256`
 * (OpenSSL, ≤ 4.93), `X=TLS1.3:TLS_AES_256_GCM_SHA384:256:X25519MLKEM768` (with the group), an
 * optional `*` for a resumed session. The cipher is what lies between protocol and bits.
 */
export function tlsFields(text: string): TlsFields | null {
  const i = text.indexOf(' X=');
  if (i < 0) return null;
  let end = text.indexOf(' ', i + 3);
  if (end < 0) end = text.length;
  let x = text.slice(i + 3, end);
  if (x.endsWith(':')) x = x.slice(0, -1);
  if (x.endsWith('*')) x = x.slice(0, -1);
  const parts = x.split(':');
  let bits = parts.length;
  for (let j = parts.length - 1; j >= 2; j--) {
    if (/^\d+$/.test(parts[j]!)) {
      bits = j;
      break;
    }
  }
  const protocol = normaliseProtocol(parts[0]!);
  const cipher = parts.slice(1, bits).join(':');
  const cvAt = text.indexOf(' CV=', end);
  let cv = '';
  if (cvAt >= 0) {
    let cvEnd = text.indexOf(' ', cvAt + 4);
    if (cvEnd < 0) cvEnd = text.length;
    cv = text.slice(cvAt + 4, cvEnd);
    if (cv.endsWith(':')) cv = cv.slice(0, -1);
  }
  return { protocol, cipher, cv, dn: text.includes(' DN="', end), x };
}

/**
 * Trust from `CV=`/`DN=`. Inbound: `CV=yes` → trusted (chain verified, no name to check);
 * `CV=no` with a `DN=` → untrusted; `CV=no` without one → anonymous (Exim also logs `CV=no` when
 * the client sent no certificate). Outbound: `CV=yes`/`CV=dane` → verified, anything else untrusted.
 */
export function trustOf(f: TlsFields, inbound: boolean): Trust {
  if (inbound) {
    if (f.cv === 'yes' || f.cv === 'dane') return 'trusted';
    return f.dn ? 'untrusted' : 'anonymous';
  }
  return f.cv === 'yes' || f.cv === 'dane' ? 'verified' : 'untrusted';
}

/** Splits `(fn): message`, `(fn (TLSv1)): message`, `(fn)` or `fn: message`. */
export function splitFunction(rest: string): { fn: string; message: string } {
  if (rest.charCodeAt(0) === 40 /* ( */) {
    let depth = 0;
    for (let i = 0; i < rest.length; i++) {
      const c = rest.charCodeAt(i);
      if (c === 40) depth++;
      else if (c === 41 && --depth === 0) {
        const fn = rest.slice(1, i);
        const after = rest.slice(i + 1);
        return { fn, message: after.startsWith(':') ? after.slice(1).trim() : after.trim() };
      }
    }
    return { fn: rest.slice(1), message: '' };
  }
  const colon = rest.indexOf(': ');
  if (colon < 0) return { fn: '', message: rest.trim() };
  return { fn: rest.slice(0, colon), message: rest.slice(colon + 2).trim() };
}

/** Functions Exim names for errors on an established session (not handshake failures). */
const POST_HANDSHAKE =
  /^(?:recv|send|SSL_read|SSL_write|SSL_shutdown|gnutls_record_\w+|gnutls_bye|recv_tls_read|tls_\w*(?:read|write|refill)\w*)$/;

export function isPostHandshake(fn: string): boolean {
  return POST_HANDSHAKE.test(fn);
}

const ERRNO_LOST = /connection reset|broken pipe|connection closed|closed by peer|end of file|\beof\b/i;

/** The reason for a handshake error `(fn): message` of either TLS library. */
export function handshakeReason(fn: string, message: string): FailureReason {
  if (fn === 'certificate verification failed') {
    // GnuTLS builds log the name check failing with no text after the function.
    if (message === '') return 'cert_hostname_mismatch';
    return reasonFromGnuTls(message) ?? reasonFromX509(message);
  }
  if (fn === 'certificate status check failed') return 'cert_verify_failed';
  if (message === '') return 'other';
  if (message === 'timed out') return 'timeout';
  // Exim 4.96+ (OpenSSL) replaces version-related errors with the protocol: `(SSL_accept): (TLSv1)`.
  if (/^\((?:SSLv[23]|TLSv1(?:\.[0-3])?)\)$/.test(message)) return 'protocol_version';
  const gnutls = reasonFromGnuTls(message);
  if (gnutls !== null) return gnutls;
  const openssl = reasonFromOpenSsl(message);
  if (openssl !== null) {
    // 4.94–4.95 put the protocol into the function name for version errors.
    if (openssl === 'other' && /\((?:SSLv[23]|TLSv1[^)]*)\)/.test(fn)) return 'protocol_version';
    return openssl;
  }
  if (/timed? ?out/i.test(message)) return 'timeout';
  if (ERRNO_LOST.test(message)) return 'lost_connection';
  return 'other';
}

/** The reason for an `SSL verify error: …` line (OpenSSL builds, before the failure itself). */
export function verifyErrorReason(text: string): FailureReason {
  if (text.includes('certificate name mismatch')) return 'cert_hostname_mismatch';
  const i = text.indexOf(' error=');
  if (i < 0) return 'cert_verify_failed';
  const j = text.indexOf(' cert=', i);
  return reasonFromX509(text.slice(i + 7, j < 0 ? undefined : j));
}

/**
 * The failure an outbound deferral/bounce/transport line reports, or null when the text is not
 * about TLS. Covers 4.90+ (`TLS session: (fn): …` inside `defer (-37)`, `(-38) a TLS session is
 * required, but the server did not offer TLS support`, `…: delivering unencrypted to H=…`), and
 * the older `TLS session failure` / `failure while setting up TLS session` follow-ups.
 */
export function outboundFailure(text: string): FailureReason | null {
  const i = text.indexOf('TLS session: ');
  if (i >= 0) {
    let rest = text.slice(i + 13);
    const d = rest.indexOf(': delivering unencrypted to ');
    if (d >= 0) rest = rest.slice(0, d);
    const { fn, message } = splitFunction(rest);
    return handshakeReason(fn, message);
  }
  if (text.includes('did not offer TLS support')) return 'starttls_not_offered';
  if (text.includes('DANE attempt failed')) {
    const colon = text.indexOf(']: ', text.indexOf('DANE attempt failed'));
    let reason: FailureReason | null = null;
    if (colon >= 0) {
      const { fn, message } = splitFunction(text.slice(colon + 3));
      reason = handshakeReason(fn, message);
    }
    return reason === null || reason === 'other' ? 'cert_verify_failed' : reason;
  }
  if (text.includes('after STARTTLS:')) return 'starttls_rejected';
  if (
    text.includes('an attempt to start TLS failed') ||
    text.includes('TLS session failure') ||
    text.includes('failure while setting up TLS session') ||
    text.includes('DANE error:')
  ) {
    return 'other';
  }
  return null;
}
