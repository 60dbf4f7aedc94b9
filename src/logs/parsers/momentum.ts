/**
 * Momentum / Ecelerity, from its `@`-delimited logs (or the same records through syslog, program
 * `ecelerity`). Field 4 is the record type:
 *   mainlog   `ts@msgid@batch@conn@R|D|X|T|P|M@…`,
 *             T/P: `…@domain@bytes@group@binding@stage@retries@secs@ip@<response>`
 *   bouncelog `ts@msgid@batch@conn@B|T@rcpt@rdomain@from@fdomain@group@binding@stage@class@size@ip@<response>`
 *   custom_logger records with the `tls_macros` fields
 *     `…@TLS|SMTP|unknown@no|ifavailable|required@cipher@algbits@usebits@protocol@verified|unverified@issuer@subject`
 * The stock mainlog has no TLS fields: a handshake is only visible through the `tls_macros`
 * fields, a failure through the response text (`451 4.7.5 [internal] TLS negotiation failed`, …)
 * or the connection stage (15 during STARTTLS, 16 after STARTTLS, 17 handshaking TLS).
 * Records of one connection share the connection id (field 3), which folds them into one attempt.
 */
import { localTime } from './local-time.js';
import { TableParser, isNum, isObj } from './session-table.js';
import type { TableEntry } from './session-table.js';
import { normaliseProtocol } from './tls-names.js';
import type {
  FailureReason,
  LineResult,
  LogLine,
  MtaFormat,
  Outcome,
  ParserOptions,
  Trust,
} from './types.js';

const NOTHING: LineResult = Object.freeze({ outcomes: [], unparsed: false }) as LineResult;
const TYPES = new Set(['R', 'D', 'X', 'T', 'P', 'B', 'M', 'M1']);
const EPOCH = /^(\d{10})(\d{6})?@/;
/** `%t{%m:%d:%H:%M:%S}`, the timestamp of the custom_logger example in the tls_macros documentation. */
const MONTH_DAY = /^(\d\d):(\d\d):(\d\d):(\d\d):(\d\d)@/;
const DIGITS = /^\d+$/;
const TLS_TYPES = new Set(['no', 'ifavailable', 'required']);

/** Recognises a Momentum log record and reads its timestamp; null for anything else. */
function parseMomentumRecord(raw: string, year: number): LogLine | null {
  const c = raw.charCodeAt(0);
  if (c < 48 || c > 57) return null;
  let time: number;
  const e = EPOCH.exec(raw);
  if (e) {
    time = Number(e[1]) * 1000 + (e[2] === undefined ? 0 : Math.floor(Number(e[2]) / 1000));
  } else {
    const m = MONTH_DAY.exec(raw);
    if (!m) return null;
    time = localTime(year, Number(m[1]) - 1, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  }
  if (!TYPES.has(recordType(raw))) return null;
  return { time, host: '', program: 'ecelerity', pid: '', message: raw };
}

/** Field 4 of a record ('' when it has fewer fields). */
function recordType(record: string): string {
  let at = -1;
  for (let i = 0; i < 4; i++) {
    at = record.indexOf('@', at + 1);
    if (at < 0) return '';
  }
  const end = record.indexOf('@', at + 1);
  return record.slice(at + 1, end < 0 ? undefined : end);
}

interface TlsBlock {
  established: boolean;
  protocol: string;
  cipher: string;
  trust: Trust;
}

/** The `tls_macros` fields, found by their `TLS|SMTP|unknown@no|ifavailable|required` pair. */
function tlsBlock(f: string[]): TlsBlock | null {
  for (let i = 5; i + 1 < f.length; i++) {
    const v = f[i];
    if ((v === 'TLS' || v === 'SMTP' || v === 'unknown') && TLS_TYPES.has(f[i + 1]!)) {
      const protocol = f[i + 5] ?? '';
      const cipher = f[i + 2] ?? '';
      return {
        established: v === 'TLS' && (protocol !== '' || cipher !== ''),
        protocol: normaliseProtocol(protocol),
        cipher,
        trust: f[i + 6] === 'verified' ? 'verified' : 'untrusted',
      };
    }
  }
  return null;
}

/** Response and stage of a failure record (mainlog T/P or bouncelog B/T); null for other layouts. */
function failureFields(f: string[]): { stage: number; ip: string; text: string } | null {
  // mainlog: 6 bytes, 9 stage, 10 retries, 11 seconds, 12 ip, 13… response
  const mainlog = f.length >= 14 && DIGITS.test(f[6]!) && DIGITS.test(f[9]!) && DIGITS.test(f[10]!);
  if (mainlog && /^\d+(?:\.\d+)?$/.test(f[11]!)) {
    return { stage: Number(f[9]), ip: f[12]!, text: f.slice(13).join('@') };
  }
  // bouncelog: 11 stage, 12 class, 13 size, 14 ip, 15… response
  if (f.length >= 16 && DIGITS.test(f[11]!) && DIGITS.test(f[12]!) && DIGITS.test(f[13]!)) {
    return { stage: Number(f[11]), ip: f[14]!, text: f.slice(15).join('@') };
  }
  return null;
}

/**
 * The failure a response text (Momentum's `message-responses` table) or, failing that, the
 * connection stage stands for; null when the record is not about TLS.
 */
function responseReason(text: string, stage: number): FailureReason | null {
  if (/TLS negotiation failed/i.test(text)) return 'other';
  if (text.includes('no tls go-ahead')) return 'starttls_rejected';
  if (text.includes('send STARTTLS failed')) return 'lost_connection';
  if (text.includes('STARTTLS required but not advertised')) return 'starttls_not_offered';
  if (text.includes('while determining tls parameters')) return 'local_config';
  if (/SSL cert(?:ificate)? (?:subject|common name) does not match host/.test(text)) return 'cert_hostname_mismatch';
  if (/SSL cert(?:ificate)? (?:must be|not) signed by a valid CA/.test(text)) return 'cert_untrusted';
  if (text.includes('certificate expired') || text.includes('certificate not yet valid')) return 'cert_expired';
  if (stage < 15 || stage > 17) return null;
  if (/timed out/i.test(text)) return 'timeout';
  if (/connection closed|connection reset|broken pipe/i.test(text)) return 'lost_connection';
  // A remote reply while STARTTLS is being sent is the peer refusing it.
  if (stage === 15 && /^[45]\d\d[ -]/.test(text) && !text.includes('[internal]')) return 'starttls_rejected';
  return stage === 17 ? 'other' : null;
}

type MomentumSession = TableEntry;

class MomentumParser extends TableParser<MomentumSession> {
  readonly mta = 'momentum' as const;

  constructor(options: ParserOptions) {
    super(options, () => null, (v) => (isObj(v) && isNum(v['last']) ? { last: v['last'] } : null));
  }

  push(line: LogLine): LineResult {
    const m = line.message;
    const c = m.charCodeAt(0);
    if (c < 48 || c > 57 || !m.includes('@')) return NOTHING;
    const type = recordType(m);
    if (type === '' || type === 'M' || type === 'M1' || type === 'X') return NOTHING;
    // Receptions and deliveries only say something about TLS through the tls_macros fields.
    if ((type === 'R' || type === 'D') && !m.includes('@TLS@')) return NOTHING;
    const f = m.split('@');
    const block = tlsBlock(f);
    let outcome: Outcome | null = null;
    const time = this.table.stamp(line.time);
    if (type === 'R' || type === 'D') {
      if (block === null || !block.established) return NOTHING;
      const ip = type === 'R' ? f[9] : f[11];
      outcome = {
        kind: 'handshake',
        mta: 'momentum',
        direction: type === 'R' ? 'inbound' : 'outbound',
        peer: ip ? `[${ip}]` : '',
        time,
        protocol: block.protocol,
        cipher: block.cipher,
        trust: block.trust,
      };
    } else {
      const ff = failureFields(f);
      if (ff === null) return { outcomes: [], unparsed: /TLS|SSL/.test(m) };
      const reason = responseReason(ff.text, ff.stage);
      const peer = ff.ip ? `[${ff.ip}]` : '';
      if (reason !== null) {
        outcome = { kind: 'failure', mta: 'momentum', direction: 'outbound', peer, time, reason };
        if (block !== null && block.established) {
          outcome.protocol = block.protocol;
          outcome.cipher = block.cipher;
          outcome.trust = block.trust;
        }
      } else if (block !== null && block.established) {
        // The session was encrypted; the failure came later in the SMTP dialogue.
        const { protocol, cipher, trust } = block;
        outcome = { kind: 'handshake', mta: 'momentum', direction: 'outbound', peer, time, protocol, cipher, trust };
      } else {
        return NOTHING;
      }
    }
    const key = `${line.host}|${f[3]!}`;
    const s = this.table.get(key);
    if (f[3] !== '' && s !== undefined) {
      this.table.touch(key, s, time);
      return NOTHING;
    }
    const out: Outcome[] = [];
    if (f[3] !== '') this.table.add(key, { last: time }, out);
    out.push(outcome);
    return { outcomes: out, unparsed: false };
  }

}

export const momentumFormat: MtaFormat = {
  mta: 'momentum',
  ownsProgram: (program) => program === 'ecelerity',
  parseNative: parseMomentumRecord,
  create: (options) => new MomentumParser(options),
};
