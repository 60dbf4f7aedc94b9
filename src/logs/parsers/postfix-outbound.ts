/**
 * Lines of the Postfix TLS client: smtp and lmtp. A handshake summary waits for the delivery verdict
 * of the same process: `Server certificate not verified` makes it a certificate failure, any other
 * status line a handshake. Failures are settled by the status line, or by a `QUEUEID: <text>` line
 * for a non-final MX host; the same verdict repeated for the other recipients of the queue file is
 * not counted again.
 */
import { reasonFromX509 } from './openssl-errors.js';
import { isChatter } from './postfix-chatter.js';
import {
  Rank,
  deliveryVerdict,
  mayBeHandshake,
  parseHandshake,
  peerInText,
  peerOf,
  queueIdEnd,
  relayOf,
  type Verdict,
} from './postfix-lines.js';
import { Phase, failureOf, handshakeOf, improve, resetAttempt, type Session } from './postfix-session.js';
import { SSL_CONNECT, VERIFY_FAILED, type PostfixTracker } from './postfix-tracker.js';
import type { LogLine } from './types.js';

const NOT_VERIFIED_23 = 'Server certificate could not be verified for ';

/** Feeds one client-side line; false when no rule understood it. */
export function outboundLine(t: PostfixTracker, line: LogLine): boolean {
  const m = line.message;
  if (mayBeHandshake(m)) {
    const h = parseHandshake(m);
    if (h) return t.established(line, h, false);
  }
  const status = m.indexOf(', status=');
  if (status >= 0) {
    const open = m.indexOf(' (', status);
    const v = open < 0 ? null : deliveryVerdict(m, open + 2);
    if (v === null && t.open === 0) return true;
    const text = v === null ? '' : m.slice(open + 2, m.endsWith(')') ? -1 : m.length);
    verdict(t, line, v, m.slice(0, m.indexOf(':')), text, relayOf(m));
    return true;
  }
  if (m.startsWith(SSL_CONNECT)) return t.sslError(line, false, SSL_CONNECT.length, false);
  if (m.startsWith('warning: ')) return t.warning(line);
  if (m.includes(VERIFY_FAILED)) return t.certificate(line, false);
  if (m.startsWith('SSL3 alert ')) return t.alert(line, false);
  if (m.startsWith('setting up TLS connection to ')) {
    const s = t.find(line);
    if (s && s.phase !== Phase.Idle) t.begin(s, line.time);
    return true;
  }
  if (m.startsWith(NOT_VERIFIED_23)) {
    // Postfix 2.3/2.4 with an enforced peer name: the handshake is abandoned.
    const at = NOT_VERIFIED_23.length;
    const s = t.session(line, false, peerOf(m.slice(at, m.indexOf(': ', at))));
    t.begin(s, line.time);
    s.phase = Phase.Failing;
    improve(s, reasonFromX509(m), Rank.Library);
    return true;
  }
  const q = queueIdEnd(m);
  if (q > 0) {
    const v = deliveryVerdict(m, q + 2);
    if (v !== null) {
      const text = m.slice(q + 2);
      verdict(t, line, v, m.slice(0, q), text, peerInText(text));
    }
    return true;
  }
  return isChatter(m);
}

/** A status line or `QUEUEID: <text>` line; `v` is its TLS verdict (null for other texts). */
function verdict(t: PostfixTracker, line: LogLine, v: Verdict | null, qid: string, text: string, peer: string): void {
  const time = line.time;
  const s = t.find(line);
  if (!s) {
    if (v !== null) count(t, t.session(line, false, peer), v, qid, text, time);
    return;
  }
  t.touch(s, line);
  switch (s.phase) {
    case Phase.Established:
      t.emit(v !== null && v.cert ? failureOf(s, time, true) : handshakeOf(s, time));
      break;
    case Phase.Failing:
    case Phase.Cue:
      if (v !== null) improve(s, v.reason, v.rank);
      t.emit(failureOf(s, time));
      break;
    case Phase.Done:
      if (v === null || (s.doneQid === qid && s.doneText === text)) return;
      resetAttempt(s);
      if (peer !== '') s.peer = peer;
      count(t, s, v, qid, text, time);
      return;
    default:
      if (v !== null) {
        if (peer !== '') s.peer = peer;
        count(t, s, v, qid, text, time);
        return;
      }
  }
  if (v === null) {
    t.remove(s);
  } else {
    resetAttempt(s);
    done(s, qid, text);
  }
}

/** A failure the verdict itself names (`TLS is required, but was not offered …`). */
function count(t: PostfixTracker, s: Session, v: Verdict, qid: string, text: string, time: number): void {
  improve(s, v.reason, v.rank);
  t.emit(failureOf(s, time, v.cert));
  resetAttempt(s);
  done(s, qid, text);
}

function done(s: Session, qid: string, text: string): void {
  s.phase = Phase.Done;
  s.doneQid = qid;
  s.doneText = text;
}
