/**
 * Pure helpers that take single Postfix log messages apart. They hold no state (only a cache of
 * recent cipher names); the correlation of lines into one outcome per TLS attempt is in
 * postfix-inbound.ts and postfix-outbound.ts.
 */
import { normaliseProtocol } from './tls-names.js';
import type { FailureReason, Trust } from './types.js';

/** What a daemon (the last component of the syslog tag) can tell us about TLS. */
export const Daemon = {
  None: 0,
  /** smtpd, postscreen: we are the TLS server. */
  Server: 1,
  /** smtp, lmtp: we are the TLS client. */
  Client: 2,
  /** tlsproxy: either role; each line says which. */
  Proxy: 3,
} as const;
export type Daemon = (typeof Daemon)[keyof typeof Daemon];

export function daemonOf(program: string): Daemon {
  const name = program.slice(program.lastIndexOf('/') + 1);
  switch (name) {
    case 'smtpd':
    case 'postscreen':
      return Daemon.Server;
    case 'smtp':
    case 'lmtp':
      return Daemon.Client;
    case 'tlsproxy':
      return Daemon.Proxy;
    default:
      return Daemon.None;
  }
}

/** `postfix/smtpd`, `postfix/submission/smtpd`, `postfix-out/smtp`, `postfix` (master). */
export function isPostfixProgram(program: string): boolean {
  if (!program.startsWith('postfix')) return false;
  if (program.length === 7) return true;
  const c = program.charCodeAt(7);
  if (c === 47 /* / */) return true;
  return c === 45 /* - */ && program.includes('/', 8);
}

/** `name[addr]:port` → `name[addr]`; `[addr]:port` → `[addr]`; anything without brackets as is. */
export function peerOf(namaddr: string): string {
  // a loop rather than lastIndexOf, which V8 runs as a runtime call costing more than the few characters of a port
  let close = namaddr.length - 1;
  while (close >= 0 && namaddr.charCodeAt(close) !== 0x5d /* ] */) close--;
  return close >= 0 && close < namaddr.length - 1 ? namaddr.slice(0, close + 1) : namaddr;
}

export interface HandshakeLine {
  trust: Trust | null;
  /** `from` (we are the server) or `to` (we are the client). */
  inbound: boolean;
  peer: string;
  protocol: string;
  cipher: string;
}

/*
 * 2.2–2.4: `TLS connection established from host[addr]: TLSv1 with cipher … (256/256 bits)`
 * 2.5+:    `<Trust> TLS connection established to host[addr]:25: …`
 * 3.4+:    `… reused …`, ` from host[addr] to sni.example: …` and optional key-exchange/signature suffixes.
 */
const HANDSHAKE =
  /^(?:(Anonymous|Untrusted|Trusted|Verified) )?TLS connection (?:established|reused) (from|to) (\S+?)(?: to \S+?)?: (\S+) with cipher (\S+) \(\d+\/\d+ bits\)/;

function trustOf(word: string | undefined): Trust | null {
  switch (word) {
    case 'Anonymous':
      return 'anonymous';
    case 'Untrusted':
      return 'untrusted';
    case 'Trusted':
      return 'trusted';
    case 'Verified':
      return 'verified';
    default:
      return null;
  }
}

/**
 * Cipher names seen lately, so that lines naming the same cipher yield one string object, whose hash
 * the maps that count by cipher then already know. Direct-mapped: a slot is picked by the length and
 * two characters of the name.
 */
const CIPHER_SLOTS = 64;
const ciphers: string[] = new Array<string>(CIPHER_SLOTS).fill('');

function knownCipher(cipher: string): string {
  const n = cipher.length;
  const slot = (n * 31 + cipher.charCodeAt(4) * 7 + cipher.charCodeAt(n - 2)) & (CIPHER_SLOTS - 1);
  const known = ciphers[slot]!;
  if (known === cipher) return known;
  ciphers[slot] = cipher;
  return cipher;
}

export function parseHandshake(msg: string): HandshakeLine | null {
  const m = HANDSHAKE.exec(msg);
  if (!m) return null;
  return {
    trust: trustOf(m[1]),
    inbound: m[2] === 'from',
    peer: peerOf(m[3]!),
    protocol: normaliseProtocol(m[4]!),
    cipher: knownCipher(m[5]!),
  };
}

/**
 * Cheap test before parseHandshake: the summary starts the message or follows its first word (a
 * trust word of at most 9 letters).
 */
export function mayBeHandshake(msg: string): boolean {
  if (msg.startsWith('TLS connection ')) return true;
  const space = msg.indexOf(' ');
  return space > 0 && space <= 9 && msg.startsWith('TLS connection ', space + 1);
}

/**
 * Confidence of a failure reason, so that a more telling line replaces a vaguer one but never the
 * other way round.
 */
export const Rank = {
  None: 0,
  /** `SSL_accept error …: -1`, `Cannot start TLS: handshake failure`, `starttls=0/1`. */
  Generic: 1,
  /** `lost connection after STARTTLS`. */
  SessionEnd: 2,
  /** loglevel-2 alert trace (`SSL3 alert read:fatal:handshake failure`). */
  Alert: 3,
  /** errno text of the SSL error line, `timeout after STARTTLS`. */
  Errno: 4,
  /** TLS library reason, certificate verification text. */
  Library: 5,
  /** The delivery agent's own verdict (`TLS is required, but was not offered …`). */
  Verdict: 6,
} as const;
export type Rank = (typeof Rank)[keyof typeof Rank];

/** Reason implied by the detail after `SSL_accept error from X: ` / `SSL_connect error to X: `. */
export function errnoReason(detail: string): FailureReason | null {
  switch (detail) {
    case 'lost connection':
    case 'Connection reset by peer':
    case 'Broken pipe':
      return 'lost_connection';
    case 'Connection timed out':
    case 'Operation timed out':
      return 'timeout';
    default:
      return null;
  }
}

/** `SSL3 alert read:fatal:handshake failure` → the reason it hints at (null for warnings). */
export function alertHint(msg: string): FailureReason | null {
  // SSL3 alert <read|write>:<fatal|warning>:<description>
  const fatal = msg.indexOf(':fatal:', 11);
  if (fatal < 0) return null;
  const read = msg.startsWith('read', 11);
  switch (msg.slice(fatal + 7)) {
    case 'handshake failure':
    case 'insufficient security':
      return 'no_shared_cipher';
    case 'protocol version':
      return 'protocol_version';
    case 'bad certificate':
    case 'unsupported certificate':
    case 'certificate revoked':
    case 'certificate expired':
    case 'certificate unknown':
    case 'unknown CA':
    case 'access denied':
      // read: the peer refused our certificate; write: we refused theirs.
      return read ? 'cert_rejected_by_peer' : 'cert_untrusted';
    default:
      return 'other';
  }
}

export interface Verdict {
  reason: FailureReason;
  rank: Rank;
  /** The verdict is about the peer certificate (the reason is refined from the verification lines). */
  cert: boolean;
}

const V_NOT_OFFERED: Verdict = { reason: 'starttls_not_offered', rank: Rank.Verdict, cert: false };
const V_REFUSED: Verdict = { reason: 'starttls_rejected', rank: Rank.Verdict, cert: false };
const V_LOCAL: Verdict = { reason: 'local_config', rank: Rank.Verdict, cert: false };
const V_HANDSHAKE: Verdict = { reason: 'other', rank: Rank.Generic, cert: false };
const V_CERT: Verdict = { reason: 'cert_verify_failed', rank: Rank.Library, cert: true };
const V_LOST: Verdict = { reason: 'lost_connection', rank: Rank.Errno, cert: false };
const V_TIMEOUT: Verdict = { reason: 'timeout', rank: Rank.Errno, cert: false };

/**
 * The TLS verdict of a delivery-agent text starting at `pos` (the text of `status=… (TEXT)` or of a
 * `QUEUEID: TEXT` line), or null when the text is not about TLS.
 */
export function deliveryVerdict(msg: string, pos: number): Verdict | null {
  switch (msg.charCodeAt(pos)) {
    case 83: // S
      if (msg.startsWith('Server certificate not ', pos)) return V_CERT;
      if (msg.startsWith('Sender requested REQUIRETLS, but ', pos)) {
        const rest = pos + 33;
        if (msg.startsWith('TLS service was not offered', rest)) return V_NOT_OFFERED;
        if (msg.startsWith('host ', rest) && msg.includes(' refused to start TLS', rest)) return V_REFUSED;
        if (msg.startsWith('no matching server certificate', rest)) return V_CERT;
        if (msg.startsWith('no trusted server certificate', rest)) return V_CERT;
      }
      return null;
    case 67: // C
      return msg.startsWith('Cannot start TLS: handshake failure', pos) ? V_HANDSHAKE : null;
    case 84: // T
      if (!msg.startsWith('TLS is required, but ', pos)) return null;
      if (msg.startsWith('was not offered', pos + 21)) return V_NOT_OFFERED;
      if (msg.startsWith('host ', pos + 21)) return V_REFUSED;
      if (msg.startsWith('our TLS engine is unavailable', pos + 21)) return V_LOCAL;
      if (msg.startsWith('unavailable', pos + 21)) return V_LOCAL;
      return null;
    case 108: // l
      return msg.startsWith('lost connection with ', pos) && msg.includes('while receiving the STARTTLS response', pos)
        ? V_LOST
        : null;
    case 99: // c
      if (msg.startsWith('conversation with ', pos) && msg.includes('timed out while receiving the STARTTLS response', pos)) {
        return V_TIMEOUT;
      }
      return msg.startsWith('client TLS configuration problem', pos) ? V_LOCAL : null;
    default:
      return null;
  }
}

const TEXT_PEER = /(?:host|with) (\S*\[[^\]]*\](?::\d+)?)/;

/** The remote end named in a delivery-agent text (`… offered by host mx[10.0.0.1]`). */
export function peerInText(text: string): string {
  const m = TEXT_PEER.exec(text);
  return m ? peerOf(m[1]!) : '';
}

/** `relay=name[addr]:port,` of a delivery status line. */
export function relayOf(msg: string): string {
  const i = msg.indexOf(' relay=');
  if (i < 0) return '';
  const end = msg.indexOf(',', i);
  return peerOf(msg.slice(i + 7, end < 0 ? msg.length : end));
}

/** `QUEUEID: ` prefix of delivery-agent lines (short hex or long base-52 ids); -1 when absent. */
export function queueIdEnd(msg: string): number {
  const i = msg.indexOf(': ');
  if (i < 5 || i > 20) return -1;
  for (let k = 0; k < i; k++) {
    const c = msg.charCodeAt(k);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum) return -1;
  }
  return i;
}
