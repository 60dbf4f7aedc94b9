/**
 * Open sessions by process. Almost every lookup is by pid alone (no key string to build); a pid that
 * another host or program already holds goes to a second map under its full key.
 *
 * Least recently used first, without reordering on every use: each use stamps the session with a
 * clock. When the oldest is asked for, the oldest eighth is sorted out once and handed out in turn,
 * skipping the ones used or removed since (none older can have appeared: a use makes a session the
 * newest).
 */
import { keyOf, type Session } from './postfix-session.js';

export class SessionStore {
  private readonly byPid = new Map<string, Session>();
  private readonly byKey = new Map<string, Session>();
  private clock = 0;
  private queue: Session[] = [];
  private queueUsed: number[] = [];
  private next = 0;

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
    s.used = ++this.clock;
    if (s.shared) this.byKey.set(keyOf(s.host, s.program, s.pid), s);
    else this.byPid.set(s.pid, s);
  }

  remove(s: Session): void {
    if (s.shared) this.byKey.delete(keyOf(s.host, s.program, s.pid));
    else if (this.byPid.get(s.pid) === s) this.byPid.delete(s.pid);
  }

  /** Make `s` the most recently used. */
  touch(s: Session): void {
    s.used = ++this.clock;
  }

  oldest(): Session | undefined {
    for (let pass = 0; pass < 2; pass++) {
      while (this.next < this.queue.length) {
        const s = this.queue[this.next]!;
        if (s.used === this.queueUsed[this.next] && this.holds(s)) return s;
        this.next++;
      }
      this.refill();
    }
    return undefined;
  }

  *values(): IterableIterator<Session> {
    yield* this.byPid.values();
    yield* this.byKey.values();
  }

  private holds(s: Session): boolean {
    return (s.shared ? this.byKey.get(keyOf(s.host, s.program, s.pid)) : this.byPid.get(s.pid)) === s;
  }

  private refill(): void {
    const all = [...this.values()].sort((a, b) => a.used - b.used);
    this.queue = all.slice(0, Math.max(1, Math.ceil(all.length / 8)));
    this.queueUsed = this.queue.map((s) => s.used);
    this.next = 0;
  }
}
