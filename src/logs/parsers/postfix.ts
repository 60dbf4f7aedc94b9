/**
 * Postfix (2.2 – 3.10): smtpd/postscreen/tlsproxy as the TLS server, smtp/lmtp (and tlsproxy in its
 * client role) as the TLS client. The lines of one attempt share only host + program + pid, so each
 * process gets a small session record:
 *
 * - inbound handshakes are emitted as soon as the summary line is read;
 * - inbound failures (`SSL_accept error` + `TLS library problem` + `lost connection after STARTTLS`)
 *   are settled at `disconnect` (whose `starttls=0/1` also reveals failures that left no other
 *   line), at the next `connect` of the process, or on expiry;
 * - outbound summaries wait for the delivery verdict of the same process: `Server certificate not
 *   verified` turns an established session into a certificate failure, any other status line into a
 *   handshake;
 * - outbound failures are settled by the status line (or a `QUEUEID: <text>` line for non-final MX
 *   hosts); repeated verdicts for the other recipients of the same queue file are not counted again.
 *
 * Summaries without a trust word (Postfix 2.2 – 2.4) are taken as `anonymous` inbound (the server
 * asked for no client certificate by default) and `untrusted` outbound (the client verified nothing).
 *
 * tlsproxy serves many connections in one process, so its summaries are emitted at once in both
 * roles, and its failures are matched to `TLS handshake failed for service=… peer=…` by peer. When
 * smtp hands its TLS to tlsproxy (`smtp_tls_connection_reuse = yes`), the verdict that smtp logs in
 * its own process cannot be tied to tlsproxy's lines, so such an attempt may be counted by both.
 */
import { looksTls } from './postfix-chatter.js';
import { Daemon, daemonOf, isPostfixProgram } from './postfix-lines.js';
import { inboundLine } from './postfix-inbound.js';
import { outboundLine } from './postfix-outbound.js';
import { PostfixTracker } from './postfix-tracker.js';
import type { LineResult, LogLine, MtaFormat, MtaParser, Outcome, ParserOptions } from './types.js';

const NO_OUTCOMES = Object.freeze([]) as unknown as Outcome[];
const NOTHING: LineResult = Object.freeze({ outcomes: NO_OUTCOMES, unparsed: false });
const UNPARSED: LineResult = Object.freeze({ outcomes: NO_OUTCOMES, unparsed: true });
const CONNECT_FROM = Buffer.from('connect from ', 'latin1');

class PostfixParser implements MtaParser {
  readonly mta = 'postfix' as const;
  private readonly tracker: PostfixTracker;
  private readonly daemons = new Map<string, Daemon>();

  constructor(options: ParserOptions) {
    this.tracker = new PostfixTracker(options);
  }

  push(line: LogLine): LineResult {
    const daemon = this.daemonOf(line.program);
    if (daemon === Daemon.None) return NOTHING;
    const understood =
      daemon === Daemon.Client ? outboundLine(this.tracker, line) : inboundLine(this.tracker, line, daemon === Daemon.Proxy);
    const unparsed = !understood && looksTls(line.message);
    const out = this.tracker.take();
    if (out === null) return unparsed ? UNPARSED : NOTHING;
    return { outcomes: out, unparsed };
  }

  /** `connect from …` of a process without an open session: nothing to settle. */
  skips(buf: Uint8Array, start: number, end: number, host: string, program: string, pid: string): boolean {
    if (end - start < CONNECT_FROM.length || buf[start] !== 0x63 /* c */) return false;
    for (let k = 1; k < CONNECT_FROM.length; k++) if (buf[start + k] !== CONNECT_FROM[k]) return false;
    return !this.tracker.holds(host, program, pid);
  }

  private daemonOf(program: string): Daemon {
    let daemon = this.daemons.get(program);
    if (daemon === undefined) {
      daemon = daemonOf(program);
      if (this.daemons.size < 1000) this.daemons.set(program, daemon);
    }
    return daemon;
  }

  expire(now: number): Outcome[] {
    return this.tracker.expire(now);
  }

  drain(): Outcome[] {
    return this.tracker.drain();
  }

  snapshot(): unknown {
    return this.tracker.snapshot();
  }

  restore(state: unknown): void {
    this.tracker.restore(state);
  }
}

export const postfixFormat: MtaFormat = {
  mta: 'postfix',
  ownsProgram: isPostfixProgram,
  readsProgram: (program) => daemonOf(program) !== Daemon.None,
  create: (options) => new PostfixParser(options),
};
