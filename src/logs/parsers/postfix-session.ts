/**
 * What the Postfix parser remembers about one process (host + program + pid) between lines, and how
 * that memory turns into an outcome.
 */
import type { FailureReason, FailureOutcome, HandshakeOutcome, Outcome, Trust } from './types.js';
import { Rank } from './postfix-lines.js';
import { isReason, isTrust } from './tls-names.js';

export const Phase = {
  /** No attempt in progress (hints such as certificate verification lines may be kept). */
  Idle: 0,
  /** An `SSL_accept/SSL_connect error` or equivalent was seen: this attempt failed. */
  Failing: 1,
  /** `lost connection|timeout after STARTTLS` without an SSL error: a failure unless `starttls=1` says otherwise. */
  Cue: 2,
  /** Outbound handshake summary seen; the delivery verdict decides between handshake and failure. */
  Established: 3,
  /** The outcome of the current attempt was emitted; later lines of the same attempt are ignored. */
  Done: 4,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export interface Session {
  /** The process: syslog host, program tag and pid. */
  host: string;
  program: string;
  pid: string;
  /** Kept under its full key because another process of the same pid was there first. */
  shared: boolean;
  /** Store clock of the last use (see SessionStore). */
  used: number;
  inbound: boolean;
  peer: string;
  /** Log time of the last line seen. */
  time: number;
  phase: Phase;
  reason: FailureReason;
  rank: Rank;
  /** Reason from a certificate verification line of this attempt ('' when none). */
  x509: FailureReason | '';
  protocol: string;
  cipher: string;
  trust: Trust | '';
  /** Queue id and text of the delivery verdict already counted (outbound, for multi-recipient mail). */
  doneQid: string;
  doneText: string;
  /** tlsproxy: peer whose failure was already counted before its `TLS handshake failed` line. */
  settledPeer: string;
}

export function newSession(host: string, program: string, pid: string, inbound: boolean, peer: string, time: number): Session {
  return {
    host,
    program,
    pid,
    shared: false,
    used: 0,
    inbound,
    peer,
    time,
    phase: Phase.Idle,
    reason: 'other',
    rank: Rank.None,
    x509: '',
    protocol: '',
    cipher: '',
    trust: '',
    doneQid: '',
    doneText: '',
    settledPeer: '',
  };
}

/** Forget the current attempt (the process moves on to a new connection or delivery). */
export function resetAttempt(s: Session): void {
  s.phase = Phase.Idle;
  s.reason = 'other';
  s.rank = Rank.None;
  s.x509 = '';
  s.protocol = '';
  s.cipher = '';
  s.trust = '';
}

export function improve(s: Session, reason: FailureReason, rank: Rank): void {
  if (rank > s.rank) {
    s.reason = reason;
    s.rank = rank;
  }
}

export function failureOf(s: Session, time: number, certVerdict = false): FailureOutcome {
  let reason: FailureReason = s.rank === Rank.None ? 'other' : s.reason;
  if (certVerdict) {
    // `Server certificate not verified`: the verification line says why; a chain that Postfix
    // called Trusted can only have failed the name check.
    reason = s.x509 !== '' ? s.x509 : s.trust === 'trusted' ? 'cert_hostname_mismatch' : 'cert_verify_failed';
  } else if ((reason === 'cert_untrusted' || reason === 'cert_verify_failed') && s.x509 !== '') {
    reason = s.x509;
  }
  const o: FailureOutcome = {
    kind: 'failure',
    mta: 'postfix',
    direction: s.inbound ? 'inbound' : 'outbound',
    peer: s.peer,
    time,
    reason,
  };
  if (s.protocol !== '') {
    o.protocol = s.protocol;
    o.cipher = s.cipher;
    if (s.trust !== '') o.trust = s.trust;
  }
  return o;
}

export function handshakeOf(s: Session, time: number): HandshakeOutcome {
  return {
    kind: 'handshake',
    mta: 'postfix',
    direction: s.inbound ? 'inbound' : 'outbound',
    peer: s.peer,
    time,
    protocol: s.protocol,
    cipher: s.cipher,
    trust: s.trust === '' ? 'anonymous' : s.trust,
  };
}

/** The best-known outcome of the open attempt, or null when there is nothing to report. */
export function bestOutcome(s: Session, time: number): Outcome | null {
  switch (s.phase) {
    case Phase.Failing:
    case Phase.Cue:
      return failureOf(s, time);
    case Phase.Established:
      return handshakeOf(s, time);
    default:
      return null;
  }
}

const SNAPSHOT_VERSION = 1;

export function keyOf(host: string, program: string, pid: string): string {
  return `${host} ${program}[${pid}]`;
}

type Row = [
  host: string,
  program: string,
  pid: string,
  inbound: boolean,
  peer: string,
  time: number | null,
  phase: number,
  reason: string,
  rank: number,
  x509: string,
  protocol: string,
  cipher: string,
  trust: string,
  doneQid: string,
  doneText: string,
  settledPeer: string,
];

export function encodeSessions(sessions: Iterable<Session>): unknown {
  const rows: Row[] = [];
  for (const s of sessions) {
    rows.push([
      s.host,
      s.program,
      s.pid,
      s.inbound,
      s.peer,
      Number.isFinite(s.time) ? s.time : null,
      s.phase,
      s.reason,
      s.rank,
      s.x509,
      s.protocol,
      s.cipher,
      s.trust,
      s.doneQid,
      s.doneText,
      s.settledPeer,
    ]);
  }
  return { v: SNAPSHOT_VERSION, sessions: rows };
}

const isStr = (x: unknown): x is string => typeof x === 'string';

function decodeRow(r: unknown): Session | null {
  if (!Array.isArray(r) || r.length !== 16) return null;
  const [host, program, pid, inbound, peer, time, phase, reason, rank, x509, protocol, cipher, trust, doneQid, doneText, settledPeer] =
    r as unknown[];
  if (!isStr(host) || !isStr(program) || !isStr(pid) || typeof inbound !== 'boolean' || !isStr(peer)) return null;
  if (time !== null && typeof time !== 'number') return null;
  if (typeof phase !== 'number' || !Number.isInteger(phase) || phase < Phase.Idle || phase > Phase.Done) return null;
  if (!isReason(reason) || typeof rank !== 'number' || !Number.isInteger(rank) || rank < Rank.None || rank > Rank.Verdict) {
    return null;
  }
  if (!(x509 === '' || isReason(x509)) || !(trust === '' || isTrust(trust))) return null;
  if (!isStr(protocol) || !isStr(cipher) || !isStr(doneQid) || !isStr(doneText) || !isStr(settledPeer)) return null;
  const s = newSession(host, program, pid, inbound, peer, time ?? Number.NaN);
  s.phase = phase as Phase;
  s.reason = reason;
  s.rank = rank as Rank;
  s.x509 = x509;
  s.protocol = protocol;
  s.cipher = cipher;
  s.trust = trust;
  s.doneQid = doneQid;
  s.doneText = doneText;
  s.settledPeer = settledPeer;
  return s;
}

/** Sessions from what encodeSessions returned; malformed input or rows are skipped. */
export function decodeSessions(state: unknown): Session[] {
  if (!state || typeof state !== 'object') return [];
  const { v, sessions } = state as { v?: unknown; sessions?: unknown };
  if (v !== SNAPSHOT_VERSION || !Array.isArray(sessions)) return [];
  const out: Session[] = [];
  for (const r of sessions) {
    const s = decodeRow(r);
    if (s) out.push(s);
  }
  return out;
}
