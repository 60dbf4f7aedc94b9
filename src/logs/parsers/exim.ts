/**
 * Exim 4.8x–4.99 (OpenSSL and GnuTLS builds), from its own mainlog or through syslog.
 *
 * Exim logs a successful handshake only on message lines: `<=` (and reject lines) for inbound,
 * `=>`/`->`/`**`/`==` for outbound, each carrying `X=`/`CV=`/`DN=`. Several messages or recipients
 * can share one TLS session, so lines are folded into one attempt per connection:
 *  - inbound by the pid of the receiving process (encoded in the message id, or the line's pid);
 *  - outbound by message id and remote address; `H=… [ip]*` marks a delivery down a connection an
 *    earlier delivery opened, which made no handshake of its own.
 * Failures are one line each: `TLS error on connection from …` (inbound) and the `TLS session: …`
 * text of a deferral, bounce or opportunistic fallback (outbound).
 */
import {
  handshakeReason,
  hostAt,
  hostField,
  isPostHandshake,
  messageIdOf,
  outboundFailure,
  parseEximMainlog,
  splitFunction,
  stripPrefixes,
  tlsFields,
  trustOf,
  verifyErrorReason,
} from './exim-lines.js';
import type { Host, MessageId, TlsFields } from './exim-lines.js';
import { TableParser, isNum, isObj } from './session-table.js';
import type { TableEntry } from './session-table.js';
import { isReason } from './tls-names.js';
import type {
  FailureReason,
  LineResult,
  LogLine,
  MtaFormat,
  Outcome,
  ParserOptions,
} from './types.js';

/**
 * Lines of one connection (or one delivery attempt) that carry no shared key other than host and
 * time are taken to belong together when they are at most this far apart.
 */
const SAME_CONNECTION_MS = 120_000;
/** Hosts remembered per message being delivered. */
const MAX_HOSTS_PER_MESSAGE = 100;

interface OutHost {
  /** Log time of the last line about this host. */
  t: number;
  /** An outcome was emitted for the current attempt. */
  done: boolean;
  /** Reason from an earlier `SSL verify error` line, '' when none. */
  hint: FailureReason | '';
}

interface EximSession extends TableEntry {
  /**
   * `c`: an inbound connection, by pid; `h`: inbound lines without a pid, by host and `X=`;
   * `m`: a message being delivered.
   */
  kind: 'c' | 'h' | 'm';
  hosts: Record<string, OutHost>;
}

const NOTHING: LineResult = Object.freeze({ outcomes: [], unparsed: false }) as LineResult;
const FLAGS = new Set(['<= ', '=> ', '-> ', '** ', '== ', '*> ']);

class EximParser extends TableParser<EximSession> {
  readonly mta = 'exim' as const;
  /** Syslog host of the line being read: keys of different machines never meet. */
  #scope = '';

  constructor(options: ParserOptions) {
    super(options, () => null, decodeSession);
  }

  push(line: LogLine): LineResult {
    const stripped = stripPrefixes(line.message, line.pid);
    if (stripped === null) return NOTHING;
    const { text, pid } = stripped;
    this.#scope = line.host;
    const hasX = text.includes(' X=');
    if (!hasX && !text.includes('TLS') && !text.includes('SSL') && !text.includes(' P=esmtps')) {
      if (text.includes(' Completed')) this.#completed(text);
      return NOTHING;
    }
    const time = this.table.stamp(line.time);
    const out: Outcome[] = [];
    const id = messageIdOf(text);
    let recognised: boolean;
    if (id !== null) {
      const flag = text.slice(id.end, id.end + 3);
      if (flag === '<= ') recognised = this.#reception(text, id, time, out);
      else if (FLAGS.has(flag)) recognised = this.#delivery(text, id, hasX, time, out);
      else recognised = this.#messageLine(text.slice(id.end), id, hasX, time, out);
    } else {
      recognised = this.#connectionLine(text, pid, hasX, time, out);
    }
    if (recognised) return out.length === 0 ? NOTHING : { outcomes: out, unparsed: false };
    return { outcomes: out, unparsed: /TLS|SSL/.test(text.replaceAll('STARTTLS', '')) };
  }


  #completed(text: string): void {
    const id = messageIdOf(text);
    if (id !== null && text.startsWith('Completed', id.end)) this.table.delete(`m|${this.#scope}|${id.id}`);
  }

  /** `<=`: a message received; over TLS when it has `X=` (or `P=esmtps` with the cipher not logged). */
  #reception(text: string, id: MessageId, time: number, out: Outcome[]): boolean {
    const fields = tlsFields(text);
    if (fields === null && !/ P=esmtpsa? /.test(text)) return true;
    this.#inbound(id.pid, hostField(text), fields, time, out);
    return true;
  }

  #inbound(pid: string, host: Host | null, fields: TlsFields | null, time: number, out: Outcome[]): void {
    const ip = host?.address ?? '';
    const hostKey = `h|${this.#scope}|${host?.raw ?? ''}|${fields?.x ?? ''}`;
    const known = this.table.get(hostKey);
    const sameHost = known !== undefined && time - known.last <= SAME_CONNECTION_MS;
    if (pid !== '') {
      const key = `c|${this.#scope}|${pid}|${ip}`;
      const s = this.table.get(key);
      if (s !== undefined) {
        this.table.touch(key, s, time);
        return;
      }
      // A reject line without a pid (mainlog) earlier in the same connection already counted it.
      if (sameHost) this.table.delete(hostKey);
      this.table.add(key, { kind: 'c', last: time, hosts: {} }, out);
      if (sameHost) return;
    } else {
      if (sameHost) {
        this.table.touch(hostKey, known, time);
        return;
      }
      this.table.add(hostKey, { kind: 'h', last: time, hosts: {} }, out);
    }
    out.push({
      kind: 'handshake',
      mta: 'exim',
      direction: 'inbound',
      peer: host?.peer ?? '',
      time,
      // P=esmtps without X= (log_selector -tls_cipher): a handshake whose parameters were not logged.
      protocol: fields?.protocol ?? 'unknown',
      cipher: fields?.cipher ?? 'unknown',
      trust: fields === null ? 'anonymous' : trustOf(fields, true),
    });
  }

  /** `=>`, `->`, `**`, `==`, `*>`: a delivery result, outbound. */
  #delivery(text: string, id: MessageId, hasX: boolean, time: number, out: Outcome[]): boolean {
    const host = hostField(text);
    const fields = hasX ? tlsFields(text) : null;
    if (fields !== null && host !== null) {
      if (host.continued) return true;
      if (this.#claim(id.id, host.address, time, out) === null) return true;
      out.push({
        kind: 'handshake',
        mta: 'exim',
        direction: 'outbound',
        peer: host.peer,
        time,
        protocol: fields.protocol,
        cipher: fields.cipher,
        trust: trustOf(fields, false),
      });
      return true;
    }
    const reason = outboundFailure(text);
    if (reason !== null) this.#outboundFailure(id.id, host ?? fallbackHost(text), reason, time, out);
    return true;
  }

  /** Other lines that carry a message id: transport errors, verify errors, rejections after DATA. */
  #messageLine(rest: string, id: MessageId, hasX: boolean, time: number, out: Outcome[]): boolean {
    if (rest.includes('SSL verify error')) {
      const ip = /\[([^\]\s]+)\] SSL verify error/.exec(rest)?.[1] ?? '';
      this.#hint(id.id, ip, verifyErrorReason(rest), time, out);
      return true;
    }
    if (hasX && rest.startsWith('H=')) {
      this.#inbound(id.pid, hostField(rest), tlsFields(rest), time, out);
      return true;
    }
    const at = rest.indexOf('TLS error on connection');
    if (at >= 0) return this.#outboundTlsError(rest, at, id.id, time, out);
    if (rest.startsWith('TLS error (')) return true;
    const reason = outboundFailure(rest);
    if (reason === null) return false;
    this.#outboundFailure(id.id, hostField(rest) ?? fallbackHost(rest), reason, time, out);
    return true;
  }

  /**
   * `H=host [ip] TLS error on connection (fn): …` (4.85+; after the handshake `(recv)`, a peer
   * that skipped close_notify, not a failure) and `TLS error on connection to host [ip] (fn): …` (≤ 4.84).
   */
  #outboundTlsError(text: string, at: number, id: string, time: number, out: Outcome[]): boolean {
    let host: Host | null;
    let restAt: number;
    if (text.startsWith('TLS error on connection to ', at)) {
      host = hostAt(text, at + 27);
      restAt = host === null ? at + 27 : host.end;
    } else {
      host = hostField(text);
      restAt = at + 23;
    }
    const { fn, message } = splitFunction(text.slice(restAt).trim());
    if (isPostHandshake(fn)) return true;
    this.#outboundFailure(id, host, handshakeReason(fn, message), time, out);
    return true;
  }

  /** Lines without a message id: inbound handshake errors, reject lines, old outbound errors. */
  #connectionLine(text: string, pid: string, hasX: boolean, time: number, out: Outcome[]): boolean {
    if (text.startsWith('TLS error on connection ')) {
      if (text.startsWith('to ', 24)) return this.#outboundTlsError(text, 0, '', time, out);
      let at = 24;
      if (text.startsWith('Ci=', at)) at = text.indexOf(' ', at) + 1;
      if (at === 0 || !text.startsWith('from ', at)) return false;
      const host = hostAt(text, at + 5);
      let restAt = host === null ? at + 5 : host.end;
      if (text.startsWith(' I=', restAt)) {
        const sp = text.indexOf(' ', restAt + 1);
        restAt = sp < 0 ? text.length : sp;
      }
      const { fn, message } = splitFunction(text.slice(restAt).trim());
      if (isPostHandshake(fn)) return true;
      out.push({
        kind: 'failure',
        mta: 'exim',
        direction: 'inbound',
        peer: host?.peer ?? '',
        time,
        reason: handshakeReason(fn, message),
      });
      return true;
    }
    if (hasX && text.startsWith('H=')) {
      this.#inbound(pid, hostField(text), tlsFields(text), time, out);
      return true;
    }
    const at = text.indexOf('TLS error on connection');
    if (at > 0) return this.#outboundTlsError(text, at, '', time, out);
    return (
      text.startsWith('TLS error (') ||
      text.includes('SSL verify error') ||
      text.startsWith('TLS client disconnected cleanly')
    );
  }

  #outboundFailure(id: string, host: Host | null, reason: FailureReason, time: number, out: Outcome[]): void {
    let r = reason;
    if (id !== '') {
      const hint = this.#claim(id, host?.address ?? '', time, out);
      if (hint === null) return;
      if (hint !== '' && (r === 'cert_untrusted' || r === 'cert_verify_failed')) r = hint;
    }
    out.push({ kind: 'failure', mta: 'exim', direction: 'outbound', peer: host?.peer ?? '', time, reason: r });
  }

  /**
   * Marks the attempt of message `id` on host `ip` as counted. Returns null when it already was
   * (another recipient line of the same attempt), else the reason hint left by a verify error line.
   */
  #claim(id: string, ip: string, time: number, out: Outcome[]): FailureReason | '' | null {
    const s = this.#message(id, time, out);
    const h = s.hosts[ip];
    if (h !== undefined && h.done && time - h.t <= SAME_CONNECTION_MS) {
      h.t = time;
      return null;
    }
    const hint = h?.hint ?? '';
    setHost(s, ip, { t: time, done: true, hint: '' });
    return hint;
  }

  #hint(id: string, ip: string, reason: FailureReason, time: number, out: Outcome[]): void {
    const s = this.#message(id, time, out);
    const h = s.hosts[ip];
    if (h !== undefined && h.done && time - h.t <= SAME_CONNECTION_MS) return;
    setHost(s, ip, { t: time, done: false, hint: reason });
  }

  #message(id: string, time: number, out: Outcome[]): EximSession {
    const key = `m|${this.#scope}|${id}`;
    let s = this.table.get(key);
    if (s === undefined) {
      s = { kind: 'm', last: time, hosts: {} };
      this.table.add(key, s, out);
    } else {
      this.table.touch(key, s, time);
    }
    return s;
  }
}

function setHost(s: EximSession, ip: string, h: OutHost): void {
  if (!(ip in s.hosts)) {
    const keys = Object.keys(s.hosts);
    if (keys.length >= MAX_HOSTS_PER_MESSAGE) delete s.hosts[keys[0]!];
  }
  s.hosts[ip] = h;
}

/** The host of `…: delivering unencrypted to [H=]host [ip] …` when the line has no `H=` field before it. */
function fallbackHost(text: string): Host | null {
  const i = text.indexOf('unencrypted to ');
  if (i < 0) return null;
  const at = text.startsWith('H=', i + 15) ? i + 17 : i + 15;
  return hostAt(text, at);
}

function decodeSession(v: unknown): EximSession | null {
  if (!isObj(v) || !isNum(v['last'])) return null;
  const kind = v['kind'];
  if (kind !== 'c' && kind !== 'h' && kind !== 'm') return null;
  const hosts: Record<string, OutHost> = {};
  if (isObj(v['hosts'])) {
    for (const [ip, h] of Object.entries(v['hosts'])) {
      if (!isObj(h) || !isNum(h['t']) || typeof h['done'] !== 'boolean') continue;
      const hint = h['hint'];
      hosts[ip] = { t: h['t'], done: h['done'], hint: isReason(hint) ? hint : '' };
    }
  }
  return { kind, last: v['last'], hosts };
}

export const eximFormat: MtaFormat = {
  mta: 'exim',
  ownsProgram: (program) => program === 'exim' || program === 'exim4',
  parseNative: (raw) => parseEximMainlog(raw),
  create: (options) => new EximParser(options),
};
