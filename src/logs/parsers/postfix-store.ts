/**
 * Open sessions by process, least recently used first. Almost every lookup is by pid alone (no key
 * string to build); a pid that another host or program already holds goes to a second map under
 * its full key.
 */
import { keyOf, type Session } from './postfix-session.js';

export class SessionStore {
  private readonly byPid = new Map<string, Session>();
  private readonly byKey = new Map<string, Session>();

  get size(): number {
    return this.byPid.size + this.byKey.size;
  }

  find(host: string, program: string, pid: string): Session | undefined {
    const s = this.byPid.get(pid);
    if (s !== undefined && s.program === program && s.host === host) return s;
    return this.byKey.size === 0 ? undefined : this.byKey.get(keyOf(host, program, pid));
  }

  add(s: Session): void {
    const holder = this.byPid.get(s.pid);
    s.shared = holder !== undefined && holder !== s;
    if (s.shared) this.byKey.set(keyOf(s.host, s.program, s.pid), s);
    else this.byPid.set(s.pid, s);
  }

  remove(s: Session): void {
    if (s.shared) this.byKey.delete(keyOf(s.host, s.program, s.pid));
    else if (this.byPid.get(s.pid) === s) this.byPid.delete(s.pid);
  }

  /** Make `s` the most recently used. */
  touch(s: Session): void {
    if (s.shared) return;
    this.byPid.delete(s.pid);
    this.byPid.set(s.pid, s);
  }

  oldest(): Session | undefined {
    const a = this.byPid.values().next().value;
    const b = this.byKey.values().next().value;
    if (a === undefined) return b;
    if (b === undefined) return a;
    return b.time < a.time ? b : a;
  }

  *values(): IterableIterator<Session> {
    yield* this.byPid.values();
    yield* this.byKey.values();
  }
}
