/**
 * OpenSMTPD 5.4–7.x (`smtpd`), correlated by the 16-hex session id every session line carries.
 *
 * A handshake line (`smtp|mta tls ciphers=…` and its older forms) is followed at once by the
 * certificate check, if any, which gives the trust; for an outbound session a failed mandatory
 * check (`mta error reason=SSL certificate check failed`) comes instead and turns the session into
 * a failure. So a handshake is emitted at the next line of its session. A handshake failure is the
 * session's I/O error (`smtp disconnected reason="io-error: …"`, `mta error reason=IO Error: …`)
 * while it had not finished its handshake.
 */
import { ioReason, parseSmtpdLine } from './opensmtpd-lines.js';
import type { SmtpdEvent } from './opensmtpd-lines.js';
import { TableParser, isNum, isObj } from './session-table.js';
import type { TableEntry } from './session-table.js';
import { isReason, isTrust } from './tls-names.js';
import type {
  Direction,
  FailureReason,
  HandshakeOutcome,
  LineResult,
  LogLine,
  MtaFormat,
  Outcome,
  ParserOptions,
} from './types.js';

interface SmtpdSession extends TableEntry {
  dir: Direction;
  peer: string;
  /** A completed handshake waiting for its certificate check. */
  pending: HandshakeOutcome | null;
  /** The current attempt has an outcome (emitted or pending): later errors are not handshake failures. */
  done: boolean;
  /** Reason for a certificate failure to come ('' when none). */
  hint: FailureReason | '';
}

const NOTHING: LineResult = Object.freeze({ outcomes: [], unparsed: false }) as LineResult;
const TLS_WORDS = /\b(?:TLS|SSL|tls|ssl)\b/;

/** A session line that talks about TLS (other than a STARTTLS command or reply). */
function looksTls(message: string): boolean {
  if (!message.includes('TLS') && !message.includes('SSL') && !message.includes('tls') && !message.includes('ssl')) {
    return false;
  }
  return TLS_WORDS.test(message.replaceAll('STARTTLS', ''));
}

class OpensmtpdParser extends TableParser<SmtpdSession> {
  readonly mta = 'opensmtpd' as const;

  constructor(options: ParserOptions) {
    super(options, (s) => s.pending, decodeSession);
  }

  push(line: LogLine): LineResult {
    const ev = parseSmtpdLine(line.message);
    if (ev === null) return NOTHING;
    const key = `${line.host}|${ev.id}`;
    const s = this.table.get(key);
    const unparsed = ev.type === 'other' && looksTls(line.message);
    if (s === undefined && (ev.type === 'other' || ev.type === 'close')) {
      return unparsed ? { outcomes: [], unparsed } : NOTHING;
    }
    const time = this.table.stamp(line.time);
    const out: Outcome[] = [];
    this.#apply(key, s, ev, time, out);
    return out.length === 0 && !unparsed ? NOTHING : { outcomes: out, unparsed };
  }

  #apply(key: string, existing: SmtpdSession | undefined, ev: SmtpdEvent, time: number, out: Outcome[]): void {
    if (ev.type === 'open') {
      if (existing !== undefined) this.table.closeInto(key, out);
      this.table.add(key, { dir: ev.dir, peer: ev.peer, pending: null, done: false, hint: '', last: time }, out);
      return;
    }
    const s = existing ?? this.#create(key, ev.dir, time, out);
    this.table.touch(key, s, time);
    switch (ev.type) {
      case 'tls':
        this.#settle(s, out);
        if (s.peer === '') s.peer = ev.peer;
        s.pending = {
          kind: 'handshake',
          mta: 'opensmtpd',
          direction: s.dir,
          peer: s.peer,
          time,
          protocol: ev.protocol,
          cipher: ev.cipher,
          trust: 'anonymous',
        };
        s.done = true;
        return;
      case 'cert':
        if (s.pending !== null) {
          s.pending.trust = ev.trust;
          this.#settle(s, out);
        }
        return;
      case 'name':
        s.hint = 'cert_hostname_mismatch';
        return;
      case 'fail': {
        const p = s.pending;
        s.pending = null;
        if (p !== null) {
          const reason = ev.cert && s.hint !== '' ? s.hint : ev.reason;
          let trust = p.trust;
          if (ev.cert) trust = ev.reason === 'cert_untrusted' && s.dir === 'inbound' ? 'anonymous' : 'untrusted';
          out.push({ ...p, kind: 'failure', time, reason, trust });
        } else if (!s.done) {
          out.push(this.#failure(s, ev.reason, time));
        }
        s.done = true;
        s.hint = '';
        return;
      }
      case 'io':
        if (s.done) {
          this.#settle(s, out);
        } else {
          const reason = ioReason(ev.text);
          if (reason !== null) {
            out.push(this.#failure(s, reason, time));
            s.done = true;
          }
        }
        if (ev.closes) this.table.closeInto(key, out);
        return;
      case 'fallback':
        this.#settle(s, out);
        out.push(this.#failure(s, 'other', time));
        // The session reconnects in plain text under the same id.
        s.done = false;
        s.hint = '';
        return;
      case 'close':
        this.table.closeInto(key, out);
        return;
      case 'other':
        this.#settle(s, out);
        return;
    }
  }

  #settle(s: SmtpdSession, out: Outcome[]): void {
    if (s.pending !== null) {
      out.push(s.pending);
      s.pending = null;
    }
  }

  #failure(s: SmtpdSession, reason: FailureReason, time: number): Outcome {
    return { kind: 'failure', mta: 'opensmtpd', direction: s.dir, peer: s.peer, time, reason };
  }

  #create(key: string, dir: Direction, time: number, out: Outcome[]): SmtpdSession {
    const s: SmtpdSession = { dir, peer: '', pending: null, done: false, hint: '', last: time };
    this.table.add(key, s, out);
    return s;
  }

}

function decodeSession(v: unknown): SmtpdSession | null {
  if (!isObj(v) || !isNum(v['last']) || typeof v['peer'] !== 'string') return null;
  const dir = v['dir'];
  if (dir !== 'inbound' && dir !== 'outbound') return null;
  let pending: HandshakeOutcome | null = null;
  const p = v['pending'];
  if (p !== null && p !== undefined) {
    if (
      !isObj(p) ||
      p['kind'] !== 'handshake' ||
      typeof p['protocol'] !== 'string' ||
      typeof p['cipher'] !== 'string' ||
      typeof p['peer'] !== 'string' ||
      !isNum(p['time']) ||
      !isTrust(p['trust'])
    ) {
      return null;
    }
    pending = {
      kind: 'handshake',
      mta: 'opensmtpd',
      direction: dir,
      peer: p['peer'],
      time: p['time'],
      protocol: p['protocol'],
      cipher: p['cipher'],
      trust: p['trust'],
    };
  }
  const hint = v['hint'];
  return { dir, peer: v['peer'], pending, done: v['done'] === true, hint: isReason(hint) ? hint : '', last: v['last'] };
}

export const opensmtpdFormat: MtaFormat = {
  mta: 'opensmtpd',
  ownsProgram: (program) => program === 'smtpd',
  create: (options) => new OpensmtpdParser(options),
};
