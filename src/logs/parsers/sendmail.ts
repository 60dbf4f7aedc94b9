/**
 * Sendmail 8.12–8.18 (`sendmail` / `sm-mta`). One process handles one SMTP connection (server) or
 * one delivery run (client), so lines are correlated by host and pid.
 *
 * A handshake is `STARTTLS=server|client, relay=…, version=…, verify=…, cipher=…, bits=…`; a failed
 * one is `STARTTLS=…, error: accept|connect failed=…, reason=…, SSL_error=…`. Right after either,
 * the `tls_server` (client side) or `tls_client` (server side) ruleset may reject the session, e.g.
 * `ruleset=tls_server, arg1=FAIL, relay=…, reject=454 4.7.0 authentication failed`, which turns an
 * established session into a failure. So the outcome of an attempt is held until the next line of
 * the same process that is not a detail of it.
 */
import { reasonFromOpenSsl, reasonFromX509 } from './openssl-errors.js';
import { TableParser, isNum, isObj } from './session-table.js';
import type { TableEntry } from './session-table.js';
import { isReason, isTrust, normaliseProtocol } from './tls-names.js';
import type {
  Direction,
  FailureReason,
  LineResult,
  LogLine,
  MtaFormat,
  Outcome,
  ParserOptions,
  Trust,
} from './types.js';

interface SmSession extends TableEntry {
  /** The outcome of the current attempt, not emitted yet. */
  pending: Outcome | null;
  /** For a pending failure: its reason came from no specific text and a later error line may say more. */
  weak: boolean;
  /** Reason from a certificate verification detail line of this attempt, '' when none. */
  hint: FailureReason | '';
}

const NOTHING: LineResult = Object.freeze({ outcomes: [], unparsed: false }) as LineResult;

const SOLARIS_ID = /^\[ID \d+ [\w.]+\] /;
const SUMMARY = /^STARTTLS=(server|client), relay=(.*?), version=([^,]*), verify=([^,]*), cipher=([^,]*)/;
const HANDSHAKE_ERROR = /^STARTTLS=(server|client), error: (?:accept|connect) failed=/;
const STACK = /^STARTTLS=(?:server|client): /;
const CERT_DETAIL = /^STARTTLS=(?:server|client), cert-subject=.*, verifymsg=(.*)$/;
const CERT_VERIFY = /^STARTTLS: .*cert verify: .*, reason=(.*)$/;
const RULESET = /^ruleset=(tls_server|tls_client|tls_rcpt), arg1=([^,]*)(?:, relay=(.*?))?, reject=(.*)$/;
/** STARTTLS lines that are about set-up, I/O after the handshake or debugging, not an attempt's result. */
const CHATTER = new RegExp(
  [
    String.raw`^STARTTLS(?:=(?:server|client|init|read|write))?, (?:start=|init=|engine=|SSL_shutdown|info:|Diffie-Hellman`,
    String.raw`|SSL_MODE|FIPSMode|CertFingerprint|SSL_get_ex_new_index|SSL_set|host=|get_tls_se_features|tlsstate=`,
    String.raw`|relay=.*, (?:warning|tlsstate|status)=|error: (?!accept failed|connect failed)|file |EC_KEY|SSL_CTX)`,
    String.raw`|^STARTTLS: (?:read error|write error|RAND|Warning|Error|RandFile|can't|size|.* missing)`,
  ].join(''),
);

class SendmailParser extends TableParser<SmSession> {
  readonly mta = 'sendmail' as const;

  constructor(options: ParserOptions) {
    super(options, (s) => s.pending, decodeSession);
  }

  push(line: LogLine): LineResult {
    let m = line.message;
    // Solaris syslogd inserts a message id: `[ID 702911 mail.notice] `.
    if (m.startsWith('[ID ')) m = m.replace(SOLARIS_ID, '');
    const key = `${line.host}|${line.pid}`;
    const s = this.table.get(key);
    const tlsLine = m.startsWith('STARTTLS') || m.startsWith('ruleset=tls_');
    if (!tlsLine) {
      if (s === undefined) return NOTHING;
      // The first unrelated line of the process after an attempt closes that attempt.
      const out: Outcome[] = [];
      if (s.pending !== null && s.pending.direction === 'outbound') {
        const relay = /, relay=([^,]*)/.exec(m);
        if (relay && m.includes(' to=')) s.pending.peer = relayPeer(relay[1]!);
      }
      this.table.closeInto(key, out);
      return out.length === 0 ? NOTHING : { outcomes: out, unparsed: false };
    }
    const time = this.table.stamp(line.time);
    const out: Outcome[] = [];

    const sum = SUMMARY.exec(m);
    if (sum) {
      const session = this.#fresh(key, s, time, out);
      const direction: Direction = sum[1] === 'server' ? 'inbound' : 'outbound';
      const peer = relayPeer(sum[2]!);
      const protocol = normaliseProtocol(sum[3]!);
      const verify = sum[4]!;
      const trust = trustOfVerify(verify);
      if (trust !== null) {
        const cipher = sum[5]!;
        session.pending = { kind: 'handshake', mta: 'sendmail', direction, peer, time, protocol, cipher, trust };
      } else {
        const reason = rulesetReason(verify, '', '');
        session.pending = { kind: 'failure', mta: 'sendmail', direction, peer, time, reason };
      }
      session.weak = false;
      return result(out);
    }

    if (HANDSHAKE_ERROR.test(m)) {
      const session = this.#fresh(key, s, time, out);
      const server = m.startsWith('STARTTLS=server');
      const { reason, weak } = handshakeErrorReason(m);
      const relay = server ? /, relay=(.*)$/.exec(m) : null;
      session.pending = {
        kind: 'failure',
        mta: 'sendmail',
        direction: server ? 'inbound' : 'outbound',
        peer: relay ? relayPeer(relay[1]!) : '',
        time,
        reason,
      };
      session.weak = weak;
      return result(out);
    }

    if (STACK.test(m)) {
      if (s !== undefined && s.pending?.kind === 'failure' && s.weak) {
        const r = reasonFromOpenSsl(m);
        if (r !== null && r !== 'other') {
          s.pending.reason = r;
          s.weak = false;
        }
      }
      return NOTHING;
    }

    const detail = CERT_DETAIL.exec(m) ?? CERT_VERIFY.exec(m);
    if (detail) {
      const text = detail[1]!.trim();
      if (text !== 'ok' && text !== '') {
        const session = s ?? this.#create(key, time, out);
        session.hint = reasonFromX509(text);
      }
      return result(out);
    }

    const rs = RULESET.exec(m);
    if (rs) {
      if (rs[1] === 'tls_rcpt') return NOTHING;
      this.#ruleset(key, s, rs[1] === 'tls_server', rs[2]!, rs[3] ?? '', rs[4]!, time, out);
      return result(out);
    }

    if (CHATTER.test(m)) return NOTHING;
    return { outcomes: [], unparsed: true };
  }


  /**
   * A `tls_server`/`tls_client` ruleset rejected the session: it decides a pending handshake
   * (policy failure on an established session), closes a pending failure, or, with no handshake
   * line before it (STARTTLS not offered, or LogLevel too low for the summary), is the failure.
   */
  #ruleset(
    key: string,
    s: SmSession | undefined,
    client: boolean,
    arg1: string,
    relay: string,
    reject: string,
    time: number,
    out: Outcome[],
  ): void {
    const pending = s?.pending ?? null;
    if (s !== undefined && pending !== null) {
      if (pending.kind === 'handshake') {
        s.pending = {
          kind: 'failure',
          mta: 'sendmail',
          direction: pending.direction,
          peer: pending.peer,
          time,
          reason: rulesetReason(arg1, reject, s.hint),
          protocol: pending.protocol,
          cipher: pending.cipher,
          trust: pending.trust,
        };
      } else if (pending.peer === '' && relay !== '') {
        pending.peer = relayPeer(relay);
      }
      this.table.closeInto(key, out);
      return;
    }
    const hint = s?.hint ?? '';
    if (s !== undefined) this.table.delete(key);
    // On the server side a missing STARTTLS is the client's choice, not a failed attempt.
    if (!client && (arg1 === 'NONE' || arg1 === 'CLEAR')) return;
    out.push({
      kind: 'failure',
      mta: 'sendmail',
      direction: client ? 'outbound' : 'inbound',
      peer: relayPeer(relay),
      time,
      reason: rulesetReason(arg1, reject, hint),
    });
  }

  /** The session for a new attempt of this process, emitting what the previous one still owed. */
  #fresh(key: string, s: SmSession | undefined, time: number, out: Outcome[]): SmSession {
    if (s !== undefined && s.pending !== null) {
      const hint = s.hint;
      this.table.closeInto(key, out);
      const next = this.#create(key, time, out);
      next.hint = hint;
      return next;
    }
    if (s !== undefined) {
      this.table.touch(key, s, time);
      return s;
    }
    return this.#create(key, time, out);
  }

  #create(key: string, time: number, out: Outcome[]): SmSession {
    const s: SmSession = { last: time, pending: null, weak: false, hint: '' };
    this.table.add(key, s, out);
    return s;
  }
}

function result(out: Outcome[]): LineResult {
  return out.length === 0 ? NOTHING : { outcomes: out, unparsed: false };
}

/** `verify=` of a handshake summary: OK/TRUSTED → verified, NO/NOT → anonymous, FAIL/DANE_FAIL → untrusted. */
function trustOfVerify(v: string): Trust | null {
  switch (v) {
    case 'OK':
    case 'TRUSTED':
      return 'verified';
    case 'NO':
    case 'NOT':
      return 'anonymous';
    case 'FAIL':
    case 'DANE_FAIL':
      return 'untrusted';
    default:
      return null;
  }
}

/** The failure a `{verify}` value (as `arg1=` of a ruleset, or in a summary) and the reject text stand for. */
function rulesetReason(arg1: string, reject: string, hint: FailureReason | ''): FailureReason {
  const t = reject.toLowerCase();
  if (t.includes('does not match')) return 'cert_hostname_mismatch';
  if (t.includes('encryption too weak')) return arg1 === 'NONE' ? 'starttls_not_offered' : 'weak_crypto';
  switch (arg1) {
    case 'FAIL':
    case 'DANE_FAIL':
      return hint === '' ? 'cert_verify_failed' : hint;
    case 'NO':
      return 'cert_untrusted';
    case 'NOT':
    case 'CLEAR':
    case 'CONFIG':
      return 'local_config';
    case 'NONE':
    case 'DANE_NOTLS':
      return 'starttls_not_offered';
    case 'PROTOCOL':
      return 'starttls_rejected';
    case 'OK':
    case 'TRUSTED':
      return t.includes('authentic') ? 'cert_verify_failed' : 'other';
    default:
      return 'other';
  }
}

function field(m: string, name: string): number | null {
  const at = m.indexOf(`, ${name}=`);
  if (at < 0) return null;
  const v = Number.parseInt(m.slice(at + name.length + 3), 10);
  return Number.isNaN(v) ? null : v;
}

/**
 * `accept|connect failed=…, reason=<OpenSSL reason>|unknown, SSL_error=…, errno=…, retry=…`
 * (8.14.6+; older versions have no `reason=`, 8.12 has `timedout=` instead of `retry=`).
 * `reason=unknown` leaves SSL_get_error(): 5 (SYSCALL) or 6 (ZERO_RETURN) is the peer going away,
 * 2/3 (WANT_READ/WRITE) with `retry=0` is the STARTTLS timeout running out.
 */
function handshakeErrorReason(m: string): { reason: FailureReason; weak: boolean } {
  const r = /, reason=([^,]*)/.exec(m)?.[1];
  if (r !== undefined && r !== 'unknown') {
    const reason = reasonFromOpenSsl(r);
    return { reason: reason ?? 'other', weak: reason === null || reason === 'other' };
  }
  const sslError = field(m, 'SSL_error');
  const errno = field(m, 'errno');
  if (field(m, 'timedout') === 1) return { reason: 'timeout', weak: false };
  if ((sslError === 2 || sslError === 3) && field(m, 'retry') === 0) return { reason: 'timeout', weak: false };
  if (sslError === 5 || sslError === 6) {
    return { reason: errno === 110 || errno === 60 ? 'timeout' : 'lost_connection', weak: false };
  }
  return { reason: 'other', weak: true };
}

/**
 * `localhost [127.0.0.1]` → `localhost[127.0.0.1]`; `[127.0.0.1] [127.0.0.1]` → `[127.0.0.1]`;
 * `mx.example.com.` → `mx.example.com`.
 */
function relayPeer(relay: string): string {
  const r = relay.replace(/ \(may be forged\)$/, '').trim();
  const m = /^(?:(\S+) )?\[([^\]]+)\]/.exec(r);
  if (m) {
    const name = m[1] === undefined || m[1].startsWith('[') ? '' : m[1].replace(/\.$/, '');
    return `${name}[${m[2]!}]`;
  }
  return r.replace(/\.$/, '');
}

function decodeSession(v: unknown): SmSession | null {
  if (!isObj(v) || !isNum(v['last'])) return null;
  const pending = decodeOutcome(v['pending']);
  if (pending === undefined) return null;
  const hint = v['hint'];
  return { last: v['last'], pending, weak: v['weak'] === true, hint: isReason(hint) ? hint : '' };
}

/** A pending outcome from a snapshot: null when there is none, undefined when malformed. */
function decodeOutcome(v: unknown): Outcome | null | undefined {
  if (v === null) return null;
  if (!isObj(v) || v['mta'] !== 'sendmail' || typeof v['peer'] !== 'string' || !isNum(v['time'])) return undefined;
  const d = v['direction'];
  if (d !== 'inbound' && d !== 'outbound') return undefined;
  const direction: Direction = d;
  const base = { mta: 'sendmail' as const, direction, peer: v['peer'], time: v['time'] };
  const protocol = v['protocol'];
  const cipher = v['cipher'];
  const trust = v['trust'];
  if (v['kind'] === 'handshake') {
    if (typeof protocol !== 'string' || typeof cipher !== 'string' || !isTrust(trust)) return undefined;
    return { ...base, kind: 'handshake', protocol, cipher, trust };
  }
  if (v['kind'] !== 'failure' || !isReason(v['reason'])) return undefined;
  const f: Outcome = { ...base, kind: 'failure', reason: v['reason'] };
  if (typeof protocol === 'string') f.protocol = protocol;
  if (typeof cipher === 'string') f.cipher = cipher;
  if (isTrust(trust)) f.trust = trust;
  return f;
}

export const sendmailFormat: MtaFormat = {
  mta: 'sendmail',
  ownsProgram: (program) => program === 'sendmail' || program === 'sm-mta',
  create: (options) => new SendmailParser(options),
};
