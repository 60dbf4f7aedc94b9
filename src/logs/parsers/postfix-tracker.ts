/**
 * The Postfix parser's memory and the line rules both TLS roles share: open sessions by process,
 * the outcomes a line produced, and the handshake summary, SSL error, library, certificate and
 * alert lines.
 */
import { reasonFromOpenSsl, reasonFromX509 } from './openssl-errors.js';
import { isChatter } from './postfix-chatter.js';
import { Rank, alertHint, errnoReason, peerOf, type HandshakeLine } from './postfix-lines.js';
import {
  Phase,
  bestOutcome,
  decodeSessions,
  encodeSessions,
  improve,
  newSession,
  resetAttempt,
  type Session,
} from './postfix-session.js';
import { SessionStore } from './postfix-store.js';
import type { LogLine, Outcome, ParserOptions, Trust } from './types.js';

export const SSL_ACCEPT = 'SSL_accept error from ';
export const SSL_CONNECT = 'SSL_connect error to ';
export const VERIFY_FAILED = 'verification failed for ';
const LIBRARY = 'warning: TLS library problem: ';

export class PostfixTracker {
  private readonly sessions = new SessionStore();
  private out: Outcome[] | null = null;

  constructor(private readonly options: ParserOptions) {}

  get open(): number {
    return this.sessions.size;
  }

  /** The outcomes emitted since the last call (null when none). */
  take(): Outcome[] | null {
    const out = this.out;
    this.out = null;
    return out;
  }

  emit(o: Outcome): void {
    (this.out ??= []).push(o);
  }

  find(line: LogLine): Session | undefined {
    return this.sessions.size === 0 ? undefined : this.sessions.find(line.host, line.program, line.pid);
  }

  holds(host: string, program: string, pid: string): boolean {
    return this.sessions.size > 0 && this.sessions.find(host, program, pid) !== undefined;
  }

  /** The session of this line's process, created when missing; the least recently used one is closed when full. */
  session(line: LogLine, inbound: boolean, peer: string): Session {
    let s = this.find(line);
    if (s) {
      this.touch(s, line);
      if (s.peer === '') s.peer = peer;
      return s;
    }
    while (this.sessions.size >= this.options.maxSessions && this.sessions.size > 0) {
      this.flush(this.sessions.oldest()!, (this.out ??= []));
    }
    s = newSession(line.host, line.program, line.pid, inbound, peer, line.time);
    this.sessions.add(s);
    return s;
  }

  /** Move to the most recently used end, so that the cap closes the oldest first. */
  touch(s: Session, line: LogLine): void {
    this.sessions.touch(s);
    s.time = line.time;
  }

  remove(s: Session): void {
    this.sessions.remove(s);
  }

  /**
   * A new attempt starts in this process: settle the previous one if it is still open (true when
   * that emitted an outcome). Hints of an attempt that has not produced a verdict yet are kept.
   */
  begin(s: Session, time: number): boolean {
    let emitted = false;
    if (s.phase !== Phase.Idle) {
      const o = bestOutcome(s, time);
      if (o) {
        this.emit(o);
        emitted = true;
      }
      resetAttempt(s);
    }
    s.doneQid = '';
    s.doneText = '';
    return emitted;
  }

  expire(now: number): Outcome[] {
    const cutoff = now - this.options.sessionTtlMs;
    const out: Outcome[] = [];
    for (const s of [...this.sessions.values()]) {
      if (s.time < cutoff) this.flush(s, out);
    }
    return out;
  }

  drain(): Outcome[] {
    const out: Outcome[] = [];
    for (const s of [...this.sessions.values()]) this.flush(s, out);
    return out;
  }

  snapshot(): unknown {
    return encodeSessions(this.sessions.values());
  }

  restore(state: unknown): void {
    for (const s of decodeSessions(state)) {
      if (this.sessions.size >= this.options.maxSessions) break;
      if (!this.sessions.find(s.host, s.program, s.pid)) this.sessions.add(s);
    }
  }

  private flush(s: Session, out: Outcome[]): void {
    const o = bestOutcome(s, s.time);
    if (o) out.push(o);
    this.sessions.remove(s);
  }

  // --- lines both roles share ---------------------------------------------------------------------

  /** An outbound summary: held until the delivery verdict, except for tlsproxy (see postfix.ts). */
  established(line: LogLine, h: HandshakeLine, proxy: boolean): boolean {
    if (proxy) {
      this.emit(handshakeFrom(h, false, 'untrusted', line.time));
      return true;
    }
    const s = this.session(line, false, h.peer);
    this.begin(s, line.time);
    s.phase = Phase.Established;
    s.peer = h.peer;
    s.protocol = h.protocol;
    s.cipher = h.cipher;
    s.trust = h.trust ?? 'untrusted';
    return true;
  }

  /** `SSL_accept error from <namaddr>: <detail>` / `SSL_connect error to <namaddr>: <detail>`. */
  sslError(line: LogLine, inbound: boolean, at: number, proxy: boolean): boolean {
    const m = line.message;
    const sep = m.indexOf(': ', at);
    const peer = peerOf(m.slice(at, sep < 0 ? m.length : sep));
    const s = this.session(line, inbound, peer);
    const previous = s.peer;
    if (this.begin(s, line.time) && proxy) s.settledPeer = previous;
    s.inbound = inbound;
    s.peer = peer;
    s.phase = Phase.Failing;
    const errno = sep < 0 ? null : errnoReason(m.slice(sep + 2));
    if (errno !== null) improve(s, errno, Rank.Errno);
    else improve(s, 'other', Rank.Generic);
    return true;
  }

  warning(line: LogLine): boolean {
    const m = line.message;
    if (m.startsWith(LIBRARY)) {
      // Library errors outside a failed handshake (e.g. on a later read) are not about the handshake.
      const s = this.find(line);
      if (s && s.phase === Phase.Failing) {
        const r = reasonFromOpenSsl(m.slice(LIBRARY.length));
        if (r !== null) improve(s, r, r === 'other' ? Rank.Generic : Rank.Library);
      }
      return true;
    }
    return isChatter(m);
  }

  /** `[server |client |CA ]certificate verification failed for <namaddr>: <why>` and older variants. */
  certificate(line: LogLine, inbound: boolean): boolean {
    const m = line.message;
    const at = m.indexOf(VERIFY_FAILED);
    const sep = m.indexOf(': ', at + VERIFY_FAILED.length);
    if (sep < 0) return false;
    const s = this.session(line, inbound, peerOf(m.slice(at + VERIFY_FAILED.length, sep)));
    if (s.phase !== Phase.Idle && !(inbound && s.phase === Phase.Failing)) this.begin(s, line.time);
    const r = m.startsWith('certificate peer name ') ? 'cert_hostname_mismatch' : reasonFromX509(m.slice(sep + 2));
    if (s.x509 === '' || s.x509 === 'cert_verify_failed') s.x509 = r;
    return true;
  }

  /** `SSL3 alert read|write:fatal:<description>` (loglevel 2): a hint until the error line arrives. */
  alert(line: LogLine, inbound: boolean): boolean {
    const hint = alertHint(line.message);
    if (hint === null) return true;
    const s = this.session(line, inbound, '');
    if (s.phase === Phase.Done && !s.inbound) this.begin(s, line.time);
    if (s.phase === Phase.Idle || s.phase === Phase.Failing || s.phase === Phase.Cue) improve(s, hint, Rank.Alert);
    return true;
  }
}

export function handshakeFrom(h: HandshakeLine, inbound: boolean, fallbackTrust: Trust, time: number): Outcome {
  return {
    kind: 'handshake',
    mta: 'postfix',
    direction: inbound ? 'inbound' : 'outbound',
    peer: h.peer,
    time,
    protocol: h.protocol,
    cipher: h.cipher,
    trust: h.trust ?? fallbackTrust,
  };
}

/** A failure that no session has prepared (`starttls=0/1` alone, an unmatched tlsproxy line): nothing says why. */
export function bareFailure(line: LogLine, inbound: boolean, peer: string): Outcome {
  return {
    kind: 'failure',
    mta: 'postfix',
    direction: inbound ? 'inbound' : 'outbound',
    peer,
    time: line.time,
    reason: 'other',
  };
}
