/**
 * The bounded memory an MTA parser keeps between lines: open sessions by key, oldest first. A session
 * is closed (and its best-known outcome emitted) when it has been idle longer than `sessionTtlMs` by
 * log time, when the table is over `maxSessions`, or at the end of input.
 */
import type { LineResult, LogLine, Mta, MtaParser, Outcome, ParserOptions } from './types.js';

export interface TableEntry {
  /** Log time (ms since the epoch) of the last line that touched this session. */
  last: number;
}

/** Turns a session being closed into its outcome, if it still owes one. */
export type CloseFn<S> = (session: S, key: string) => Outcome | null;

export class SessionTable<S extends TableEntry> {
  readonly #map = new Map<string, S>();
  readonly #options: ParserOptions;
  readonly #close: CloseFn<S>;
  #latest = Number.NEGATIVE_INFINITY;

  constructor(options: ParserOptions, close: CloseFn<S>) {
    this.#options = options;
    this.#close = close;
  }

  get size(): number {
    return this.#map.size;
  }

  /** A usable timestamp for a line: its own, or the latest seen when it carries none. */
  stamp(time: number): number {
    if (Number.isFinite(time)) {
      if (time > this.#latest) this.#latest = time;
      return time;
    }
    return Number.isFinite(this.#latest) ? this.#latest : 0;
  }

  get(key: string): S | undefined {
    return this.#map.get(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Records activity on a session and moves it to the young end. */
  touch(key: string, session: S, time: number): void {
    this.#map.delete(key);
    this.#map.set(key, session);
    if (time > session.last) session.last = time;
  }

  /** Adds (or replaces) a session; closes the oldest ones beyond `maxSessions` into `out`. */
  add(key: string, session: S, out: Outcome[]): void {
    this.#map.delete(key);
    this.#map.set(key, session);
    while (this.#map.size > this.#options.maxSessions) {
      const oldest = this.#map.keys().next().value as string;
      this.closeInto(oldest, out);
    }
  }

  /** Forgets a session without emitting anything. */
  delete(key: string): void {
    this.#map.delete(key);
  }

  /** Closes one session, emitting what it still owes into `out`. */
  closeInto(key: string, out: Outcome[]): void {
    const s = this.#map.get(key);
    if (s === undefined) return;
    this.#map.delete(key);
    const o = this.#close(s, key);
    if (o) out.push(o);
  }

  expire(now: number): Outcome[] {
    const out: Outcome[] = [];
    const limit = now - this.#options.sessionTtlMs;
    for (const [key, s] of this.#map) {
      if (s.last < limit) this.closeInto(key, out);
    }
    return out;
  }

  drain(): Outcome[] {
    const out: Outcome[] = [];
    for (const key of [...this.#map.keys()]) this.closeInto(key, out);
    return out;
  }

  /** `[key, session]` pairs, oldest first, for snapshots. */
  entries(): [string, S][] {
    return [...this.#map.entries()];
  }

  /**
   * Replaces the content with decoded snapshot entries; `decode` returns null for anything malformed,
   * which is skipped. The cap still applies.
   */
  load(entries: unknown, decode: (value: unknown) => S | null): void {
    this.#map.clear();
    if (!Array.isArray(entries)) return;
    const dropped: Outcome[] = [];
    for (const e of entries) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') continue;
      const s = decode(e[1]);
      if (s === null) continue;
      if (Number.isFinite(s.last) && s.last > this.#latest) this.#latest = s.last;
      this.add(e[0], s, dropped);
    }
  }
}

/** True for a finite number. */
export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** True for a plain object (not an array). */
export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The part every table-based parser shares: expiry, draining, and the JSON snapshot of its sessions.
 * Subclasses read lines in `push` and keep their sessions in `table`.
 */
export abstract class TableParser<S extends TableEntry> implements MtaParser {
  abstract readonly mta: Mta;
  protected readonly table: SessionTable<S>;
  readonly #decode: (value: unknown) => S | null;

  constructor(options: ParserOptions, close: CloseFn<S>, decode: (value: unknown) => S | null) {
    this.table = new SessionTable<S>(options, close);
    this.#decode = decode;
  }

  abstract push(line: LogLine): LineResult;

  expire(now: number): Outcome[] {
    return this.table.expire(now);
  }

  drain(): Outcome[] {
    return this.table.drain();
  }

  snapshot(): unknown {
    return { v: 1, sessions: this.table.entries() };
  }

  restore(state: unknown): void {
    if (!isObj(state) || state['v'] !== 1) return;
    this.table.load(state['sessions'], this.#decode);
  }
}
