/** Values shared by every MTA parser: the closed label sets and the outcome of one TLS attempt. */

export const MTAS = ['postfix', 'exim', 'sendmail', 'opensmtpd', 'momentum'] as const;
export type Mta = (typeof MTAS)[number];

export type Direction = 'inbound' | 'outbound';

export const TRUST_LEVELS = ['anonymous', 'untrusted', 'trusted', 'verified'] as const;
export type Trust = (typeof TRUST_LEVELS)[number];

/** The whole set of `reason` label values for log failures (probes use a superset of names). */
export const FAILURE_REASONS = [
  'no_shared_cipher',
  'protocol_version',
  'non_tls_data',
  'cert_untrusted',
  'cert_expired',
  'cert_hostname_mismatch',
  'cert_verify_failed',
  'cert_rejected_by_peer',
  'lost_connection',
  'timeout',
  'starttls_not_offered',
  'starttls_rejected',
  'weak_crypto',
  'local_config',
  'other',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** One line of a mail log after its syslog (or native) header has been taken apart. */
export interface LogLine {
  /** Milliseconds since the epoch, from the line's own timestamp; NaN when it carries none. */
  time: number;
  /** Syslog host field ('' when the format has none). */
  host: string;
  /** Program tag without the pid, e.g. `postfix/strict/smtpd`, `exim`, `sm-mta`, `smtpd`. */
  program: string;
  /** Process id from `program[pid]` ('' when absent). */
  pid: string;
  /** Everything after `program[pid]: `. */
  message: string;
}

interface OutcomeBase {
  mta: Mta;
  direction: Direction;
  /** Remote end as `name[address]` (no port); '' when the log does not say. */
  peer: string;
  /** Log time (ms since the epoch) of the line that settled the outcome; NaN when unknown. */
  time: number;
}

/** A TLS handshake that completed and was accepted. */
export interface HandshakeOutcome extends OutcomeBase {
  kind: 'handshake';
  /** `SSLv3` | `TLSv1` | `TLSv1.1` | `TLSv1.2` | `TLSv1.3`, or the MTA's own word when it is none of these. */
  protocol: string;
  /** Cipher as the MTA logged it. */
  cipher: string;
  trust: Trust;
}

/** A TLS attempt that did not give a usable session. */
export interface FailureOutcome extends OutcomeBase {
  kind: 'failure';
  reason: FailureReason;
  /** Set when the lines still show the negotiated session (e.g. a certificate rejected after the handshake). */
  protocol?: string;
  cipher?: string;
  trust?: Trust;
}

export type Outcome = HandshakeOutcome | FailureOutcome;

/** What one line did to a parser. */
export interface LineResult {
  /** Outcomes this line settled (usually zero or one). */
  outcomes: Outcome[];
  /** True for a TLS-looking line of this MTA that no rule understood. */
  unparsed: boolean;
}

export interface ParserOptions {
  /** An open session whose last line is older than this (by log time) is closed with its best-known outcome. */
  sessionTtlMs: number;
  /** At most this many open sessions are kept; the oldest is closed first. */
  maxSessions: number;
}

export const DEFAULT_PARSER_OPTIONS: ParserOptions = { sessionTtlMs: 10 * 60_000, maxSessions: 10_000 };

/**
 * A stateful parser for one MTA: it correlates the lines of one session/process and emits exactly
 * one outcome per TLS attempt. It does no I/O and reads no clock: time comes from the lines.
 */
export interface MtaParser {
  readonly mta: Mta;
  /** Feed one line that belongs to this MTA. */
  push(line: LogLine): LineResult;
  /**
   * Optional shortcut for lines read as bytes: true when the message `buf[start, end)` of this
   * process would change nothing and can be dropped undecoded (push would understand it and return
   * no outcome).
   */
  skips?(buf: Uint8Array, start: number, end: number, host: string, program: string, pid: string): boolean;
  /** Close sessions whose last line is older than `now - sessionTtlMs` (ms since the epoch). */
  expire(now: number): Outcome[];
  /** End of input: close every open session with its best-known outcome. */
  drain(): Outcome[];
  /** JSON-serialisable open-session state, persisted with the file offsets. */
  snapshot(): unknown;
  /** Restore what `snapshot()` returned (ignore anything malformed). */
  restore(state: unknown): void;
}

/** How the dispatcher recognises an MTA's lines and builds its parser. */
export interface MtaFormat {
  readonly mta: Mta;
  /** True when a syslog program tag (without pid) belongs to this MTA. */
  ownsProgram(program: string): boolean;
  /**
   * False for tags of this MTA whose lines never say anything about TLS (Postfix qmgr, cleanup …):
   * the dispatcher then drops them without decoding them. Absent: every owned tag is read.
   */
  readsProgram?(program: string): boolean;
  /**
   * For MTAs with a log file format of their own (Exim mainlog, Momentum): turn such a line into a
   * LogLine, or return null when the line is not of that shape. `year` fills in missing years.
   */
  parseNative?(raw: string, year: number): LogLine | null;
  create(options: ParserOptions): MtaParser;
}
