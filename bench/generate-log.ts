/**
 * Deterministic Postfix 3.x mail log for the benchmarks. The line shapes are those of the real
 * Postfix 3.7 logs in test/fixtures/corpus/postfix; sessions of several smtpd/smtp processes
 * interleave the way they do on a busy MX, around ordinary queue-manager, dovecot and opendkim lines.
 *
 * The generator knows what every session must count as (one handshake or one failure, with its
 * labels), so a benchmark can require the exporter's final counters to be exactly these numbers.
 *
 *   node --import tsx bench/generate-log.ts [--lines N] [--seed S] [--peers P] OUT
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface GenerateOptions {
  lines: number;
  seed: number;
  /** Distinct remote peers (address + name). */
  peers: number;
  /** Log time of the first line (ms since the epoch, read as UTC when formatting). */
  startMs?: number;
  /** Log time covered by the whole file. */
  spanMs?: number;
  /**
   * How the syslog header writes the time: `rfc3164` (`Mar  3 00:00:00`, the traditional format) or
   * `rfc3339` (`2026-03-03T00:00:00.123456+00:00`, rsyslog's default since Debian 12).
   */
  timestamps?: 'rfc3164' | 'rfc3339';
}

/** The exact totals a correct reader of the file arrives at. */
export interface Expected {
  lines: number;
  bytes: number;
  /** `mta|direction|protocol|cipher|trust` → count. */
  handshakes: Record<string, number>;
  /** `mta|direction|reason` → count. */
  failures: Record<string, number>;
  /** Lines with `TLS connection established`. */
  establishedLines: number;
  /** Lines that belong to failed TLS attempts and say so (SSL errors, library problems, TLS verdicts). */
  failureLines: number;
  /** Distinct peers that appear in the file. */
  distinctPeers: number;
  /** Counts for other tools reading the same file (`smtpd*` for the `postfix/smtpd` tag only). */
  tools: {
    smtpdConnects: number;
    smtpdTlsFrom: number;
    smtpTlsTo: number;
    qmgrRemoved: number;
    cleanupMessageIds: number;
    lostAfterStarttls: number;
    sslErrors: number;
    tlsLibraryProblems: number;
  };
}

// ---- seeded PRNG (sfc32) --------------------------------------------------------------------------

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in [0, 2^32). */
  next(): number {
    let { a, b, c, d } = this;
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c;
    this.d = d;
    return t;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }

  float(): number {
    return this.next() / 4294967296;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

// ---- vocabulary -----------------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HOST = 'mail-mx01';
const LOCAL_IP = '192.0.2.10';
const DOMAINS = [
  'example.com',
  'example.net',
  'example.org',
  'mail.example-provider.test',
  'corp.example-holding.test',
  'customers.isp-network.test',
  'shop.online-retail.test',
  'newsletter.publisher.test',
];
const USERS = [
  'alice.anderson',
  'bob',
  'carol.christensen',
  'dave',
  'erin.eriksson',
  'frank.fischer',
  'grace',
  'heidi.hoffmann',
  'ivan',
  'judy.jones',
  'mallory',
  'oscar.olsen',
];

interface Peer {
  /** `name[addr]` as Postfix logs the client or server. */
  namaddr: string;
  addr: string;
  /** The peer as the exporter labels it (`name[addr]`, no port). */
  label: string;
}

function makePeer(i: number, rng: Rng): Peer {
  let addr: string;
  if (i % 10 === 9) {
    addr = `2001:db8:${(i >>> 12).toString(16)}:${(i & 0xfff).toString(16)}::${(1 + rng.int(0xfffe)).toString(16)}`;
  } else {
    // distinct per i: 10.a.b.c with a, b, c from i (up to 2^24 peers)
    addr = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
  }
  const named = i % 4 !== 0;
  const name = named
    ? `${rng.pick(['mail', 'smtp-out', 'mta', 'outbound', 'mx'])}${i % 97}.${rng.pick(['relay', 'mailgw', 'outbound', 'smtp', 'gateway'])}${i}.${rng.pick(DOMAINS)}`
    : 'unknown';
  const namaddr = `${name}[${addr}]`;
  return { namaddr, addr, label: namaddr };
}

interface Cipher {
  protocol: string;
  cipher: string;
  bits: string;
  suffix: string;
}

const TLS13_SUFFIX = ' key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256';
const CIPHERS_IN: readonly Cipher[] = [
  { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: '256/256', suffix: TLS13_SUFFIX },
  { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: '256/256', suffix: TLS13_SUFFIX },
  { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: '256/256', suffix: TLS13_SUFFIX },
  { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', bits: '128/128', suffix: TLS13_SUFFIX },
  { protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256', bits: '256/256', suffix: TLS13_SUFFIX },
  { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', bits: '256/256', suffix: '' },
  { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', bits: '128/128', suffix: '' },
  { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-CHACHA20-POLY1305', bits: '256/256', suffix: '' },
];
const CIPHERS_OUT = CIPHERS_IN;

const TRUST_IN = ['Anonymous', 'Anonymous', 'Anonymous', 'Anonymous', 'Anonymous', 'Anonymous', 'Trusted', 'Untrusted'] as const;
const TRUST_OUT = ['Verified', 'Trusted', 'Trusted', 'Untrusted', 'Untrusted', 'Untrusted'] as const;

interface InboundFailure {
  /** Detail after `SSL_accept error from PEER: `. */
  detail: string;
  library: string | null;
  reason: string;
}

const IN_FAILURES: readonly InboundFailure[] = [
  { detail: '-1', library: 'error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:', reason: 'no_shared_cipher' },
  { detail: '-1', library: 'error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:', reason: 'protocol_version' },
  { detail: '-1', library: 'error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:350:', reason: 'non_tls_data' },
  { detail: '-1', library: 'error:0A00009C:SSL routines::http request:../ssl/record/ssl3_record.c:341:', reason: 'non_tls_data' },
  { detail: 'lost connection', library: null, reason: 'lost_connection' },
  { detail: 'lost connection', library: null, reason: 'lost_connection' },
  { detail: 'Connection timed out', library: null, reason: 'timeout' },
];

interface OutboundFailure {
  kind: 'ssl' | 'cert' | 'not_offered';
  detail: string;
  library: string | null;
  /** Certificate verification text (kind cert). */
  verify: string;
  reason: string;
}

const OUT_FAILURES: readonly OutboundFailure[] = [
  {
    kind: 'ssl',
    detail: '-1',
    library: 'error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:',
    verify: '',
    reason: 'no_shared_cipher',
  },
  { kind: 'ssl', detail: 'Connection reset by peer', library: null, verify: '', reason: 'lost_connection' },
  { kind: 'cert', detail: '', library: null, verify: 'certificate verification failed for PEER: self-signed certificate', reason: 'cert_untrusted' },
  { kind: 'cert', detail: '', library: null, verify: 'server certificate verification failed for PEER: num=62:hostname mismatch', reason: 'cert_hostname_mismatch' },
  { kind: 'cert', detail: '', library: null, verify: 'certificate verification failed for PEER: certificate has expired', reason: 'cert_expired' },
  { kind: 'not_offered', detail: '', library: null, verify: '', reason: 'starttls_not_offered' },
];

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

// ---- the generator --------------------------------------------------------------------------------

/** One line still to be written: its text after the syslog header. */
interface Pending {
  program: string;
  pid: number;
  text: string;
}

interface Slot {
  kind: 'smtpd' | 'smtp';
  pid: number;
  uses: number;
  queue: Pending[];
}

const SESSION_SLOTS_IN = 5;
const SESSION_SLOTS_OUT = 5;
/** Share of lines outside any SMTP session (IMAP, DKIM, anvil, postscreen). */
const BACKGROUND_SHARE = 0.04;

export class LogGenerator {
  readonly expected: Expected;
  private readonly rng: Rng;
  private readonly peerList: Peer[];
  private readonly seenPeers: Uint8Array;
  private readonly slots: Slot[] = [];
  private pendingTotal = 0;
  private produced = 0;
  private readonly total: number;
  private readonly startMs: number;
  private readonly stepMs: number;
  private qidCounter = 0;
  private cursor = 0;
  private readonly stride: number;
  private nextPid = 10_000;
  private tsSecond = -1;
  private tsText = '';
  private isoText = '';
  private readonly iso: boolean;
  private readonly qmgrPid: number;
  private readonly cleanupPid: number;
  private readonly pickupPid: number;
  private readonly dkimPid: number;

  constructor(options: GenerateOptions) {
    this.rng = new Rng(options.seed);
    this.total = options.lines;
    this.startMs = options.startMs ?? Date.UTC(2026, 2, 3, 0, 0, 0);
    this.stepMs = (options.spanMs ?? 86_400_000) / Math.max(1, options.lines);
    this.iso = options.timestamps === 'rfc3339';
    this.peerList = [];
    for (let i = 0; i < options.peers; i++) this.peerList.push(makePeer(i, this.rng));
    this.seenPeers = new Uint8Array(options.peers);
    let stride = Math.max(1, Math.floor(options.peers * 0.618));
    while (gcd(stride, options.peers) !== 1) stride++;
    this.stride = stride;
    this.qmgrPid = 812;
    this.cleanupPid = 1404;
    this.pickupPid = 811;
    this.dkimPid = 733;
    for (let i = 0; i < SESSION_SLOTS_IN; i++) this.slots.push({ kind: 'smtpd', pid: this.newPid(), uses: 0, queue: [] });
    for (let i = 0; i < SESSION_SLOTS_OUT; i++) this.slots.push({ kind: 'smtp', pid: this.newPid(), uses: 0, queue: [] });
    this.expected = {
      lines: 0,
      bytes: 0,
      handshakes: {},
      failures: {},
      establishedLines: 0,
      failureLines: 0,
      distinctPeers: 0,
      tools: {
        smtpdConnects: 0,
        smtpdTlsFrom: 0,
        smtpTlsTo: 0,
        qmgrRemoved: 0,
        cleanupMessageIds: 0,
        lostAfterStarttls: 0,
        sslErrors: 0,
        tlsLibraryProblems: 0,
      },
    };
  }

  get done(): boolean {
    return this.produced >= this.total;
  }

  /** The next lines of the file (at most `maxLines`), as one buffer. */
  nextChunk(maxLines: number): Buffer {
    const parts: string[] = [];
    let n = 0;
    while (n < maxLines && this.produced < this.total) {
      parts.push(this.nextLine());
      n++;
    }
    const text = parts.length > 0 ? `${parts.join('\n')}\n` : '';
    const buf = Buffer.from(text, 'latin1');
    this.expected.lines += n;
    this.expected.bytes += buf.length;
    return buf;
  }

  private newPid(): number {
    this.nextPid += 1 + this.rng.int(40);
    if (this.nextPid > 4_000_000) this.nextPid = 10_000 + this.rng.int(1000);
    return this.nextPid;
  }

  /** Log time of the line being produced; the texts of its second are made once per second. */
  private lineTimeMs(): number {
    const ms = this.startMs + this.produced * this.stepMs;
    const sec = Math.floor(ms / 1000);
    if (sec !== this.tsSecond) {
      this.tsSecond = sec;
      const d = new Date(sec * 1000);
      const day = d.getUTCDate();
      const p2 = (x: number): string => (x < 10 ? `0${x}` : String(x));
      this.tsText = `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
      this.isoText = d.toISOString().slice(0, 19);
    }
    return ms;
  }

  /** The time as RFC 3164 writes it (`Mar  3 00:00:00`), also inside Postfix's own messages. */
  private timestamp(): string {
    this.lineTimeMs();
    return this.tsText;
  }

  /** The header's time as rsyslog's RSYSLOG_FileFormat writes it, with microseconds. */
  private isoTimestamp(): string {
    const ms = this.lineTimeMs();
    const micros = String(Math.floor((ms - this.tsSecond * 1000) * 1000)).padStart(6, '0');
    return `${this.isoText}.${micros}+00:00`;
  }

  private format(p: Pending): string {
    const tag = p.pid > 0 ? `${p.program}[${p.pid}]` : p.program;
    return `${this.iso ? this.isoTimestamp() : this.timestamp()} ${HOST} ${tag}: ${p.text}`;
  }

  private nextLine(): string {
    this.produced++;
    const mustDrain = this.produced - 1 + this.pendingTotal >= this.total;
    if (!mustDrain && this.rng.float() < BACKGROUND_SHARE) return this.format(this.background());
    // a random slot; start a session in it when it is idle and the budget allows
    const start = this.rng.int(this.slots.length);
    for (let k = 0; k < this.slots.length; k++) {
      const slot = this.slots[(start + k) % this.slots.length]!;
      if (slot.queue.length === 0) {
        if (mustDrain) continue;
        this.startSession(slot);
        if (this.produced - 1 + this.pendingTotal > this.total) {
          // does not fit: never started (its tallies were not made either)
          this.pendingTotal -= slot.queue.length;
          slot.queue.length = 0;
          this.rollback();
          continue;
        }
        this.commit();
      }
      const p = slot.queue.shift()!;
      this.pendingTotal--;
      return this.format(p);
    }
    return this.format(this.background());
  }

  // Tallies of the session being built are staged, then committed once it is known to fit.
  private staged: (() => void)[] = [];

  private stage(f: () => void): void {
    this.staged.push(f);
  }

  private commit(): void {
    for (const f of this.staged) f();
    this.staged = [];
  }

  private rollback(): void {
    this.staged = [];
  }

  private peer(failing: boolean): Peer {
    // failures come from a smaller, skewed set of peers, as in real life (broken senders retry)
    let i: number;
    if (failing) {
      const r = this.rng.float();
      i = Math.floor(r * r * r * Math.min(this.peerList.length, 5000));
    } else if (this.rng.float() < 0.5) {
      i = this.rng.int(this.peerList.length);
    } else {
      // a full cycle through every peer (the stride is coprime with the count)
      this.cursor = (this.cursor + this.stride) % this.peerList.length;
      i = this.cursor;
    }
    const p = this.peerList[i]!;
    this.stage(() => {
      if (this.seenPeers[i] === 0) {
        this.seenPeers[i] = 1;
        this.expected.distinctPeers++;
      }
    });
    return p;
  }

  private qid(): string {
    this.qidCounter++;
    const h = (Math.imul(this.qidCounter, 2654435761) >>> 0).toString(16).toUpperCase().padStart(8, '0');
    return `${h}${(this.qidCounter & 0xfff).toString(16).toUpperCase().padStart(3, '0')}`;
  }

  private handshake(direction: string, c: Cipher, trust: string): void {
    const key = `postfix|${direction}|${c.protocol}|${c.cipher}|${trust.toLowerCase()}`;
    this.stage(() => {
      this.expected.handshakes[key] = (this.expected.handshakes[key] ?? 0) + 1;
    });
  }

  private failure(direction: string, reason: string): void {
    const key = `postfix|${direction}|${reason}`;
    this.stage(() => {
      this.expected.failures[key] = (this.expected.failures[key] ?? 0) + 1;
    });
  }

  private count(field: keyof Expected['tools'] | 'establishedLines' | 'failureLines'): void {
    this.stage(() => {
      if (field === 'establishedLines' || field === 'failureLines') this.expected[field]++;
      else this.expected.tools[field]++;
    });
  }

  private startSession(slot: Slot): void {
    slot.uses++;
    if (slot.uses > 40 + this.rng.int(60)) {
      // processes exit after serving some connections (max_use) and new ones start
      slot.pid = this.newPid();
      slot.uses = 0;
    }
    const q: Pending[] = [];
    if (slot.kind === 'smtpd') this.inboundSession(slot.pid, q);
    else this.outboundSession(slot.pid, q);
    slot.queue = q;
    this.pendingTotal += q.length;
  }

  private inboundSession(pid: number, q: Pending[]): void {
    const r = this.rng.float();
    const program = this.rng.float() < 0.15 ? 'postfix/submission/smtpd' : 'postfix/smtpd';
    // tools that only know `postfix/<service>` tags count the plain smtpd's lines only
    const plain = program === 'postfix/smtpd';
    const line = (text: string): void => {
      q.push({ program, pid, text });
    };
    if (r < 0.75) {
      // TLS, then sometimes a message
      const peer = this.peer(false);
      const c = this.rng.pick(CIPHERS_IN);
      const trust = this.rng.pick(TRUST_IN);
      line(`connect from ${peer.namaddr}`);
      if (plain) this.count('smtpdConnects');
      const extra = trust === 'Anonymous' ? '' : ' client-signature RSA-PSS (2048 bits) client-digest SHA256';
      line(`${trust} TLS connection established from ${peer.namaddr}: ${c.protocol} with cipher ${c.cipher} (${c.bits} bits)${c.suffix}${extra}`);
      this.count('establishedLines');
      if (plain) this.count('smtpdTlsFrom');
      this.handshake('inbound', c, trust);
      if (this.rng.float() < 0.1) {
        const qid = this.qid();
        const user = this.rng.pick(USERS);
        const dom = this.rng.pick(DOMAINS);
        line(`${qid}: client=${peer.namaddr}`);
        q.push({ program: 'postfix/cleanup', pid: this.cleanupPid, text: `${qid}: message-id=<${qid}.${this.qidCounter}@${dom}>` });
        this.count('cleanupMessageIds');
        q.push({ program: 'opendkim', pid: this.dkimPid, text: `${qid}: ${peer.namaddr} [${peer.addr}] not internal` });
        q.push({
          program: 'postfix/qmgr',
          pid: this.qmgrPid,
          text: `${qid}: from=<${user}@${dom}>, size=${1000 + this.rng.int(90000)}, nrcpt=1 (queue active)`,
        });
        line(`disconnect from ${peer.namaddr} ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7`);
        q.push({
          program: 'postfix/lmtp',
          pid: 2200 + this.rng.int(50),
          text: `${qid}: to=<${this.rng.pick(USERS)}@${LOCAL_IP.replace(/\./g, '-')}.example>, relay=mail.example[private/dovecot-lmtp], delay=0.${this.rng.int(90) + 10}, delays=0.08/0/0/0.03, dsn=2.0.0, status=sent (250 2.0.0 <${user}@example.org> Saved)`,
        });
        q.push({ program: 'postfix/qmgr', pid: this.qmgrPid, text: `${qid}: removed` });
        this.count('qmgrRemoved');
      } else {
        line(`disconnect from ${peer.namaddr} ehlo=2 starttls=1 quit=1 commands=4`);
      }
      return;
    }
    if (r < 0.96) {
      // failed handshake
      const peer = this.peer(true);
      const f = this.rng.pick(IN_FAILURES);
      line(`connect from ${peer.namaddr}`);
      if (plain) this.count('smtpdConnects');
      line(`SSL_accept error from ${peer.namaddr}: ${f.detail}`);
      this.count('sslErrors');
      this.count('failureLines');
      if (f.library !== null) {
        line(`warning: TLS library problem: ${f.library}`);
        this.count('tlsLibraryProblems');
        this.count('failureLines');
      }
      line(`lost connection after STARTTLS from ${peer.namaddr}`);
      if (plain) this.count('lostAfterStarttls');
      this.count('failureLines');
      line(`disconnect from ${peer.namaddr} ehlo=1 starttls=0/1 commands=1/2`);
      this.failure('inbound', f.reason);
      return;
    }
    // no TLS at all: a rejected spammer or a client that only says hello
    const peer = this.peer(false);
    line(`connect from ${peer.namaddr}`);
    if (plain) this.count('smtpdConnects');
    if (this.rng.float() < 0.6) {
      line(
        `NOQUEUE: reject: RCPT from ${peer.namaddr}: 554 5.7.1 <${this.rng.pick(USERS)}@${this.rng.pick(DOMAINS)}>: Relay access denied; from=<spam${this.rng.int(1000)}@${this.rng.pick(DOMAINS)}> to=<${this.rng.pick(USERS)}@${this.rng.pick(DOMAINS)}> proto=ESMTP helo=<${peer.addr}>`,
      );
      line(`disconnect from ${peer.namaddr} ehlo=1 mail=1 rcpt=0/1 rset=1 quit=1 commands=4/5`);
    } else {
      line(`disconnect from ${peer.namaddr} ehlo=1 quit=1 commands=2`);
    }
  }

  private outboundSession(pid: number, q: Pending[]): void {
    const qid = this.qid();
    const user = this.rng.pick(USERS);
    const dom = this.rng.pick(DOMAINS);
    const to = `${this.rng.pick(USERS)}${this.rng.int(100)}@${this.rng.pick(DOMAINS)}`;
    const program = 'postfix/smtp';
    const smtp = (text: string): void => {
      q.push({ program, pid, text });
    };
    if (this.rng.float() < 0.2) {
      // submitted on this host (mail relayed from elsewhere had these lines when it was received)
      q.push({ program: 'postfix/pickup', pid: this.pickupPid, text: `${qid}: uid=${1000 + this.rng.int(20)} from=<${user}>` });
      q.push({ program: 'postfix/cleanup', pid: this.cleanupPid, text: `${qid}: message-id=<${qid}.${this.qidCounter}@${dom}>` });
      this.count('cleanupMessageIds');
      q.push({ program: 'opendkim', pid: this.dkimPid, text: `${qid}: DKIM-Signature field added (s=mail, d=${dom})` });
    }
    q.push({
      program: 'postfix/qmgr',
      pid: this.qmgrPid,
      text: `${qid}: from=<${user}@${dom}>, size=${800 + this.rng.int(60000)}, nrcpt=1 (queue active)`,
    });
    const status = (dsn: string, st: string, text: string, relay: string): void => {
      smtp(
        `${qid}: to=<${to}>, relay=${relay}:25, delay=${(this.rng.int(300) / 100).toFixed(2)}, delays=0.01/0.01/0.${this.rng.int(90) + 10}/0.0${this.rng.int(9)}, dsn=${dsn}, status=${st} (${text})`,
      );
    };
    const r = this.rng.float();
    if (r < 0.86) {
      const peer = this.peer(false);
      const c = this.rng.pick(CIPHERS_OUT);
      const trust = this.rng.pick(TRUST_OUT);
      smtp(`${trust} TLS connection established to ${peer.namaddr}:25: ${c.protocol} with cipher ${c.cipher} (${c.bits} bits)${c.suffix}`);
      this.count('establishedLines');
      this.count('smtpTlsTo');
      this.handshake('outbound', c, trust);
      status('2.0.0', 'sent', `250 2.0.0 Ok: queued as ${this.qid()}`, peer.namaddr);
      q.push({ program: 'postfix/qmgr', pid: this.qmgrPid, text: `${qid}: removed` });
      this.count('qmgrRemoved');
      return;
    }
    const peer = this.peer(true);
    const f = this.rng.pick(OUT_FAILURES);
    if (f.kind === 'ssl') {
      smtp(`SSL_connect error to ${peer.namaddr}:25: ${f.detail}`);
      this.count('sslErrors');
      this.count('failureLines');
      if (f.library !== null) {
        smtp(`warning: TLS library problem: ${f.library}`);
        this.count('tlsLibraryProblems');
        this.count('failureLines');
      }
      status('4.7.5', 'deferred', 'Cannot start TLS: handshake failure', peer.namaddr);
      this.count('failureLines');
    } else if (f.kind === 'cert') {
      smtp(f.verify.replace('PEER', `${peer.namaddr}:25`));
      this.count('failureLines');
      const c = this.rng.pick(CIPHERS_OUT);
      smtp(`Untrusted TLS connection established to ${peer.namaddr}:25: ${c.protocol} with cipher ${c.cipher} (${c.bits} bits)${c.suffix}`);
      this.count('establishedLines');
      this.count('smtpTlsTo');
      status('4.7.5', 'deferred', 'Server certificate not verified', peer.namaddr);
      this.count('failureLines');
    } else {
      status('4.7.4', 'deferred', `TLS is required, but was not offered by host ${peer.namaddr}`, peer.namaddr);
      this.count('failureLines');
    }
    this.failure('outbound', f.reason);
  }

  /** A line outside any TLS session: IMAP logins, DKIM, queue manager, anvil statistics. */
  private background(): Pending {
    const r = this.rng.float();
    const user = this.rng.pick(USERS);
    const peer = this.peerList[this.rng.int(this.peerList.length)]!;
    if (r < 0.45) {
      const tls = this.rng.float() < 0.7 ? ', TLS' : '';
      return {
        program: 'dovecot',
        pid: 0,
        text: `imap-login: Login: user=<${user}@example.org>, method=PLAIN, rip=${peer.addr}, lip=${LOCAL_IP}, mpid=${20000 + this.rng.int(40000)}${tls}, session=<${(this.rng.next() >>> 0).toString(36)}${(this.rng.next() >>> 0).toString(36)}>`,
      };
    }
    if (r < 0.6) {
      return {
        program: 'dovecot',
        pid: 0,
        text: `imap(${user}@example.org)<${20000 + this.rng.int(40000)}><${(this.rng.next() >>> 0).toString(36)}>: Logged out in=${this.rng.int(5000)} out=${this.rng.int(900000)} deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0`,
      };
    }
    if (r < 0.8) {
      return {
        program: 'opendkim',
        pid: this.dkimPid,
        text: `${this.qid()}: s=${this.rng.pick(['google', 'selector1', 's1', 'mail'])} d=${this.rng.pick(DOMAINS)} SSL error:04091068:rsa routines:int_rsa_verify:bad signature`,
      };
    }
    if (r < 0.92) {
      return {
        program: 'postfix/anvil',
        pid: 900,
        text: `statistics: max connection rate 1/60s for (smtp:${peer.addr}) at ${this.timestamp()}`,
      };
    }
    return {
      program: 'postfix/postscreen',
      pid: 640,
      text: `CONNECT from [${peer.addr}]:${1024 + this.rng.int(60000)} to [${LOCAL_IP}]:25`,
    };
  }
}

/** Writes a whole log to `path`; returns what a correct reader must count. */
export function generateLogFile(path: string, options: GenerateOptions): Expected {
  const gen = new LogGenerator(options);
  const fd = openSync(path, 'w');
  try {
    while (!gen.done) writeSync(fd, gen.nextChunk(20_000));
  } finally {
    closeSync(fd);
  }
  return gen.expected;
}

async function cli(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      lines: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      peers: { type: 'string', default: '50000' },
      timestamps: { type: 'string', default: 'rfc3164' },
    },
  });
  const out = positionals[0];
  const timestamps = values.timestamps;
  if (!out || (timestamps !== 'rfc3164' && timestamps !== 'rfc3339')) {
    throw new Error('usage: generate-log.ts [--lines N] [--seed S] [--peers P] [--timestamps rfc3164|rfc3339] OUT');
  }
  const t0 = performance.now();
  const expected = generateLogFile(out, { lines: Number(values.lines), seed: Number(values.seed), peers: Number(values.peers), timestamps });
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify(expected, null, 2)}\n`);
  const pct = (n: number): string => `${((100 * n) / expected.lines).toFixed(1)}%`;
  process.stderr.write(
    `generated ${expected.lines} lines, ${(expected.bytes / 1e6).toFixed(1)} MB (${(expected.bytes / expected.lines).toFixed(0)} bytes/line) in ${ms.toFixed(0)} ms; ` +
      `established ${pct(expected.establishedLines)}, failure lines ${pct(expected.failureLines)}, ${expected.distinctPeers} peers\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  cli().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  });
}
