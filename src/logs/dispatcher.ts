/**
 * Routes raw log lines to the parser of the MTA that wrote them. With `auto`, the syslog program tag
 * decides per line (so one mixed syslog file works), and lines without a syslog header are offered to
 * the formats that have a native log shape (Exim mainlog, Momentum). Lines of other programs are
 * dropped before any parser sees them.
 */
import { localYear } from './parsers/local-time.js';
import { newHeaderScan, parseSyslogLine, scanSyslogHeader } from './parsers/syslog.js';
import { MTA_FORMATS } from './parsers/registry.js';
import type { LogLine, Mta, MtaFormat, MtaParser, Outcome, ParserOptions } from './parsers/types.js';

export type LineStatus = 'ignored' | 'tls' | 'unparsed';

export interface DispatchResult {
  status: LineStatus;
  outcomes: Outcome[];
}

export interface Dispatcher {
  push(raw: string): DispatchResult;
  /**
   * Same as push for the line `buf[start, end)` (UTF-8, without its line terminator), without turning
   * lines that no parser wants into strings. The bytes are only read during the call. `now` is the
   * wall clock to read year-less timestamps against (default: the dispatcher's clock), so that a batch
   * of lines read together can share one reading of it. `ascii`: the caller knows that the line holds
   * ASCII only (it is then decoded as latin1, which gives the same text faster).
   */
  pushBytes(buf: Buffer, start: number, end: number, now?: number, ascii?: boolean): DispatchResult;
  /** Same as push for a line whose header was already taken apart (journald). */
  pushLine(line: LogLine, mta: Mta): DispatchResult;
  expire(now: number): Outcome[];
  drain(): Outcome[];
  /** The latest timestamp of any line pushed so far (NaN before the first). */
  lastLogTime(): number;
  snapshot(): Record<string, unknown>;
  restore(state: unknown): void;
}

const NO_OUTCOMES = Object.freeze([]) as unknown as Outcome[];
const IGNORED: DispatchResult = Object.freeze({ status: 'ignored', outcomes: NO_OUTCOMES }) as DispatchResult;
const TLS_NOTHING: DispatchResult = Object.freeze({ status: 'tls', outcomes: NO_OUTCOMES }) as DispatchResult;
const UNPARSED_NOTHING: DispatchResult = Object.freeze({ status: 'unparsed', outcomes: NO_OUTCOMES }) as DispatchResult;

/** Program tags seen in byte form, so that a known tag costs neither a string nor a map lookup by string. */
interface ProgramEntry {
  bytes: Buffer;
  program: string;
  format: MtaFormat | null;
  /** The format's parser, null when the lines of this tag are dropped unread. */
  parser: MtaParser | null;
}

const PROGRAM_SLOTS = 1024; // powers of two
const PID_SLOTS = 4096;

/** Node's Buffer decoders without the argument handling of toString() (they exist on every Buffer). */
type FastBuffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

export function createDispatcher(
  format: 'auto' | Mta,
  options: ParserOptions,
  now: () => number = Date.now,
): Dispatcher {
  const formats = format === 'auto' ? MTA_FORMATS : MTA_FORMATS.filter((f) => f.mta === format);
  const natives = formats.filter((f) => f.parseNative !== undefined);
  const parsers = new Map<Mta, MtaParser>();
  const byProgram = new Map<string, MtaFormat | null>();
  let latest = NaN;

  const parserFor = (f: MtaFormat): MtaParser => {
    let p = parsers.get(f.mta);
    if (!p) {
      p = f.create(options);
      parsers.set(f.mta, p);
    }
    return p;
  };

  const formatForProgram = (program: string): MtaFormat | null => {
    let f = byProgram.get(program);
    if (f === undefined) {
      f = formats.find((x) => x.ownsProgram(program)) ?? null;
      if (byProgram.size < 10_000) byProgram.set(program, f);
    }
    return f;
  };

  const feed = (f: MtaFormat, line: LogLine): DispatchResult => feedParser(parserFor(f), line);

  /** Keeps the latest log time seen (a line without a time changes nothing). */
  const saw = (time: number): void => {
    if (!(time <= latest) && !Number.isNaN(time)) latest = time;
  };

  const feedParser = (parser: MtaParser, line: LogLine): DispatchResult => {
    saw(line.time);
    const r = parser.push(line);
    if (r.outcomes.length === 0) return r.unparsed ? UNPARSED_NOTHING : TLS_NOTHING;
    if (r.unparsed) return { status: 'unparsed', outcomes: r.outcomes };
    return { status: 'tls', outcomes: r.outcomes };
  };

  const pushString = (raw: string, t: number): DispatchResult => {
    const line = parseSyslogLine(raw, t);
    if (line) {
      const f = formatForProgram(line.program);
      if (f === null) return IGNORED;
      return feed(f, line);
    }
    const year = localYear(t);
    for (const f of natives) {
      const native = f.parseNative!(raw, year);
      if (native) return feed(f, native);
    }
    return IGNORED;
  };

  // ---- the byte path: the header is read in place, strings are made only for lines a parser takes
  const scan = newHeaderScan();
  const programs: (ProgramEntry | undefined)[] = new Array<ProgramEntry | undefined>(PROGRAM_SLOTS);
  let hostText = '';
  const pidNumbers = new Int32Array(PID_SLOTS).fill(-1);
  const pidTexts: string[] = new Array<string>(PID_SLOTS).fill('');

  const programAt = (buf: FastBuffer, start: number, end: number, hash: number): ProgramEntry => {
    const slot = hash & (PROGRAM_SLOTS - 1);
    const e = programs[slot];
    if (e !== undefined && sameBytes(e.bytes, buf, start, end)) return e;
    // the tag is ASCII (scanSyslogHeader checked), so latin1 is its UTF-8 decoding
    const program = buf.latin1Slice(start, end);
    const f = formatForProgram(program);
    const read = f !== null && (f.readsProgram === undefined || f.readsProgram(program));
    const fresh: ProgramEntry = { bytes: Buffer.from(buf.subarray(start, end)), program, format: f, parser: read ? parserFor(f) : null };
    programs[slot] = fresh;
    return fresh;
  };

  const pidAt = (buf: FastBuffer, start: number, end: number, value: number): string => {
    if (start === end) return '';
    if (value < 0) return buf.latin1Slice(start, end);
    const slot = value & (PID_SLOTS - 1);
    if (pidNumbers[slot] === value) return pidTexts[slot]!;
    const text = buf.latin1Slice(start, end);
    pidNumbers[slot] = value;
    pidTexts[slot] = text;
    return text;
  };

  return {
    push(raw) {
      return pushString(raw, now());
    },
    pushBytes(buf, start, end, at, ascii = false) {
      const t = at ?? now();
      if (!scanSyslogHeader(buf, start, end, t, scan)) return pushString((buf as FastBuffer).utf8Slice(start, end), t);
      const p = programAt(buf as FastBuffer, scan.programStart, scan.programEnd, scan.programHash);
      if (p.parser === null) {
        if (p.format === null) return IGNORED;
        saw(scan.time);
        return TLS_NOTHING;
      }
      if (!scan.sameHost) {
        hostText = (buf as FastBuffer).latin1Slice(scan.hostStart, scan.hostEnd);
        scan.knownHost = Buffer.from(buf.subarray(scan.hostStart, scan.hostEnd));
      }
      const pid = pidAt(buf as FastBuffer, scan.pidStart, scan.pidEnd, scan.pidValue);
      if (p.parser.skips !== undefined && p.parser.skips(buf, scan.messageStart, scan.messageEnd, hostText, p.program, pid)) {
        saw(scan.time);
        return TLS_NOTHING;
      }
      const line: LogLine = {
        time: scan.time,
        host: hostText,
        program: p.program,
        pid,
        message: ascii
          ? (buf as FastBuffer).latin1Slice(scan.messageStart, scan.messageEnd)
          : (buf as FastBuffer).utf8Slice(scan.messageStart, scan.messageEnd),
      };
      return feedParser(p.parser, line);
    },
    pushLine(line, mta) {
      const f = formats.find((x) => x.mta === mta);
      return f ? feed(f, line) : IGNORED;
    },
    expire(t) {
      const out: Outcome[] = [];
      for (const p of parsers.values()) out.push(...p.expire(t));
      return out;
    },
    lastLogTime: () => latest,
    drain() {
      const out: Outcome[] = [];
      for (const p of parsers.values()) out.push(...p.drain());
      return out;
    },
    snapshot() {
      const s: Record<string, unknown> = {};
      for (const [mta, p] of parsers) s[mta] = p.snapshot();
      return s;
    },
    restore(state) {
      if (!state || typeof state !== 'object') return;
      for (const f of formats) {
        const s = (state as Record<string, unknown>)[f.mta];
        if (s !== undefined) parserFor(f).restore(s);
      }
    },
  };
}
