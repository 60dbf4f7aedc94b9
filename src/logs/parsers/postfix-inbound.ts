/**
 * Lines of the Postfix TLS server: smtpd, postscreen and tlsproxy. Handshakes are emitted as soon as
 * the summary is read; failures are settled at `disconnect` (whose `starttls=0/1` also reveals
 * failures that left no other line), at the next `connect` of the process, by tlsproxy's
 * `TLS handshake failed` line, or on expiry.
 */
import { isChatter } from './postfix-chatter.js';
import { Rank, mayBeHandshake, parseHandshake, peerOf, queueIdEnd } from './postfix-lines.js';
import { Phase, failureOf, improve, type Session } from './postfix-session.js';
import { SSL_ACCEPT, SSL_CONNECT, VERIFY_FAILED, bareFailure, handshakeFrom, type PostfixTracker } from './postfix-tracker.js';
import type { FailureReason, LogLine } from './types.js';

/** Feeds one server-side line; false when no rule understood it. */
export function inboundLine(t: PostfixTracker, line: LogLine, proxy: boolean): boolean {
  const m = line.message;
  if (m.startsWith('connect from ')) {
    const s = t.find(line);
    if (s) endConnection(t, s, line.time, false, false);
    return true;
  }
  if (m.startsWith('disconnect from ')) {
    disconnect(t, line);
    return true;
  }
  if (mayBeHandshake(m)) {
    const h = parseHandshake(m);
    if (h) {
      if (!h.inbound) return t.established(line, h, proxy);
      if (!proxy) {
        const s = t.session(line, true, h.peer);
        t.begin(s, line.time);
        s.phase = Phase.Done;
      }
      t.emit(handshakeFrom(h, true, 'anonymous', line.time));
      return true;
    }
  }
  if (m.startsWith(SSL_ACCEPT)) return t.sslError(line, true, SSL_ACCEPT.length, proxy);
  if (m.startsWith(SSL_CONNECT)) return t.sslError(line, false, SSL_CONNECT.length, proxy);
  if (m.startsWith('warning: ')) return t.warning(line);
  if (m.startsWith('lost connection after ')) return sessionEnd(t, line, 'lost_connection', Rank.SessionEnd, 22);
  if (m.startsWith('timeout after ')) return sessionEnd(t, line, 'timeout', Rank.Errno, 14);
  if (m.startsWith('SSL3 alert ')) return t.alert(line, true);
  if (proxy) {
    if (m.startsWith('TLS handshake failed for service=')) return proxyFailed(t, line);
    if (m.startsWith('DISCONNECT ')) return proxyDisconnect(t, line);
  }
  // `QUEUEID: client=…`, `NOQUEUE: reject: …`: ordinary mail lines, whatever their reply text says.
  if (queueIdEnd(m) > 0) return true;
  if (m.includes(VERIFY_FAILED)) return t.certificate(line, true);
  return isChatter(m);
}

/** `connect` or `disconnect`: settle what the previous connection of this process left open. */
function endConnection(t: PostfixTracker, s: Session, time: number, hasCounter: boolean, starttlsFailed: boolean): void {
  if (s.phase === Phase.Failing || (s.phase === Phase.Cue && (!hasCounter || starttlsFailed))) {
    t.emit(failureOf(s, time));
  } else if (starttlsFailed && s.phase !== Phase.Done) {
    improve(s, 'other', Rank.Generic);
    t.emit(failureOf(s, time));
  }
  t.remove(s);
}

function disconnect(t: PostfixTracker, line: LogLine): void {
  const m = line.message;
  const i = m.indexOf(' starttls=');
  let failed = false;
  if (i >= 0) {
    // `starttls=1` (all succeeded) or `starttls=0/1` (successes/attempts).
    let j = i + 10;
    let ok = 0;
    while (j < m.length && m.charCodeAt(j) >= 48 && m.charCodeAt(j) <= 57) ok = ok * 10 + m.charCodeAt(j++) - 48;
    if (m.charCodeAt(j) === 47 /* / */) failed = ok < Number.parseInt(m.slice(j + 1), 10);
  }
  const s = t.find(line);
  if (s) {
    endConnection(t, s, line.time, i >= 0, failed);
  } else if (failed) {
    const end = m.indexOf(' ', 16);
    t.emit(bareFailure(line, true, peerOf(m.slice(16, end < 0 ? m.length : end))));
  }
}

/** `lost connection after STARTTLS from …`, `timeout after STARTTLS from …` (and after CONNECT in wrapper mode). */
function sessionEnd(t: PostfixTracker, line: LogLine, reason: FailureReason, rank: Rank, at: number): boolean {
  const m = line.message;
  if (m.startsWith('STARTTLS from ', at)) {
    const s = t.session(line, true, peerOf(m.slice(at + 14)));
    if (s.phase === Phase.Idle) s.phase = Phase.Cue;
    if (s.phase === Phase.Failing || s.phase === Phase.Cue) improve(s, reason, rank);
    return true;
  }
  const s = t.find(line);
  if (s && s.phase === Phase.Failing) improve(s, reason, rank);
  return true;
}

function proxyFailed(t: PostfixTracker, line: LogLine): boolean {
  const m = line.message;
  const at = m.indexOf(' peer=');
  const peer = at < 0 ? '' : peerOf(m.slice(at + 6));
  const s = t.find(line);
  if (s && s.phase === Phase.Failing && s.peer === peer) {
    t.emit(failureOf(s, line.time));
    t.remove(s);
  } else if (s && s.settledPeer === peer) {
    s.settledPeer = '';
  } else {
    // Client-role server ids are `&`-joined tuples; server-role ones are service names.
    const service = m.slice(33, at < 0 ? m.length : at);
    t.emit(bareFailure(line, !service.includes('&'), peer));
  }
  return true;
}

/** Before Postfix 3.4 tlsproxy logs no `TLS handshake failed`; `DISCONNECT` closes the attempt. */
function proxyDisconnect(t: PostfixTracker, line: LogLine): boolean {
  const s = t.find(line);
  if (s && s.phase === Phase.Failing && s.peer === peerOf(line.message.slice(11))) {
    t.emit(failureOf(s, line.time));
    t.remove(s);
  }
  return true;
}
