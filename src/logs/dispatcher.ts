/**
 * Routes raw log lines to the parser of the MTA that wrote them. With `auto`, the syslog program tag
 * decides per line (so one mixed syslog file works), and lines without a syslog header are offered to
 * the formats that have a native log shape (Exim mainlog, Momentum). Lines of other programs are
 * dropped before any parser sees them.
 */
import { parseSyslogLine } from './parsers/syslog.js';
import { MTA_FORMATS } from './parsers/registry.js';
import type { LogLine, Mta, MtaFormat, MtaParser, Outcome, ParserOptions } from './parsers/types.js';

export type LineStatus = 'ignored' | 'tls' | 'unparsed';

export interface DispatchResult {
  status: LineStatus;
  outcomes: Outcome[];
}

export interface Dispatcher {
  push(raw: string): DispatchResult;
  /** Same as push for a line whose header was already taken apart (journald). */
  pushLine(line: LogLine, mta: Mta): DispatchResult;
  expire(now: number): Outcome[];
  drain(): Outcome[];
  /** The latest timestamp of any line pushed so far (NaN before the first). */
  lastLogTime(): number;
  snapshot(): Record<string, unknown>;
  restore(state: unknown): void;
}

const IGNORED: DispatchResult = Object.freeze({ status: 'ignored', outcomes: [] }) as DispatchResult;

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

  const feed = (f: MtaFormat, line: LogLine): DispatchResult => {
    if (!(line.time <= latest)) latest = Number.isNaN(line.time) ? latest : line.time;
    const r = parserFor(f).push(line);
    if (r.unparsed) return { status: 'unparsed', outcomes: r.outcomes };
    return { status: 'tls', outcomes: r.outcomes };
  };

  return {
    push(raw) {
      const t = now();
      const line = parseSyslogLine(raw, t);
      if (line) {
        const f = formatForProgram(line.program);
        return f ? feed(f, line) : IGNORED;
      }
      const year = new Date(t).getFullYear();
      for (const f of natives) {
        const native = f.parseNative!(raw, year);
        if (native) return feed(f, native);
      }
      return IGNORED;
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
