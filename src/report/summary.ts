/** Aggregates outcomes into the `report` summary (the JSON shape is a public contract). */
import type { Outcome } from '../logs/parsers/types.js';

export interface HandshakeRow {
  mta: string;
  direction: string;
  protocol: string;
  cipher: string;
  trust: string;
  count: number;
}

export interface FailureRow {
  mta: string;
  direction: string;
  reason: string;
  count: number;
}

export interface PeerRow {
  peer: string;
  direction: string;
  reason: string;
  count: number;
}

export interface ReportSummary {
  lines_read: number;
  handshakes: HandshakeRow[];
  failures: FailureRow[];
  top_failing_peers: PeerRow[];
}

const SEP = '\u0000';

/**
 * A copy of a label value that does not hold on to the log line it was cut from (a cut string keeps
 * its whole line alive as long as it is kept).
 */
function own(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

/** Counts under a key of label values, found through one small map per label (no joined key per outcome). */
class Tally {
  private readonly root = new Map<string, unknown>();
  private readonly counts: { values: string[]; count: number }[] = [];

  add(values: string[], depth: number = values.length): void {
    let m = this.root;
    for (let i = 0; i < depth - 1; i++) {
      let next = m.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map<string, unknown>();
        m.set(own(values[i]!), next);
      }
      m = next;
    }
    const cell = m.get(values[depth - 1]!) as { values: string[]; count: number } | undefined;
    if (cell !== undefined) {
      cell.count++;
      return;
    }
    const fresh = { values: values.slice(0, depth).map(own), count: 1 };
    m.set(fresh.values[depth - 1]!, fresh);
    this.counts.push(fresh);
  }

  entries(): [string, number][] {
    return this.counts.map((c) => [c.values.join(SEP), c.count]);
  }

  /** Adds counts under joined keys, as entries() gives them. */
  addEntries(entries: [string, number][]): void {
    for (const [key, count] of entries) {
      const values = key.split(SEP);
      this.add(values);
      const cell = this.cellOf(values);
      cell.count += count - 1;
    }
  }

  private cellOf(values: string[]): { values: string[]; count: number } {
    let m = this.root;
    for (let i = 0; i < values.length - 1; i++) m = m.get(values[i]!) as Map<string, unknown>;
    return m.get(values[values.length - 1]!) as { values: string[]; count: number };
  }
}

/** What a ReportAccumulator holds, as plain data (to pass between threads). */
export interface ReportData {
  linesRead: number;
  handshakes: [string, number][];
  failures: [string, number][];
  peers: [string, number][];
}

export class ReportAccumulator {
  linesRead = 0;
  private readonly handshakes = new Tally();
  private readonly failures = new Tally();
  /** Many peers: one joined key each costs less memory than a map per peer. */
  private readonly peers = new Map<string, number>();
  private readonly key: string[] = ['', '', '', '', ''];

  add(o: Outcome): void {
    const k = this.key;
    if (o.kind === 'handshake') {
      k[0] = o.mta;
      k[1] = o.direction;
      k[2] = o.protocol;
      k[3] = o.cipher;
      k[4] = o.trust;
      this.handshakes.add(k, 5);
      return;
    }
    k[0] = o.mta;
    k[1] = o.direction;
    k[2] = o.reason;
    this.failures.add(k, 3);
    if (o.peer) {
      // join() makes one flat string; a template would keep the cut peer, and with it its line, alive
      const p = [o.peer, o.direction, o.reason].join(SEP);
      this.peers.set(p, (this.peers.get(p) ?? 0) + 1);
    }
  }

  toData(): ReportData {
    return {
      linesRead: this.linesRead,
      handshakes: this.handshakes.entries(),
      failures: this.failures.entries(),
      peers: [...this.peers.entries()],
    };
  }

  merge(d: ReportData): void {
    this.linesRead += d.linesRead;
    this.handshakes.addEntries(d.handshakes);
    this.failures.addEntries(d.failures);
    for (const [key, count] of d.peers) this.peers.set(key, (this.peers.get(key) ?? 0) + count);
  }

  summary(top: number): ReportSummary {
    return {
      lines_read: this.linesRead,
      handshakes: rows(this.handshakes.entries()).map(([[mta, direction, protocol, cipher, trust], count]) => ({
        mta: mta!, direction: direction!, protocol: protocol!, cipher: cipher!, trust: trust!, count,
      })),
      failures: rows(this.failures.entries()).map(([[mta, direction, reason], count]) => ({
        mta: mta!, direction: direction!, reason: reason!, count,
      })),
      top_failing_peers: rows([...this.peers.entries()])
        .slice(0, top)
        .map(([[peer, direction, reason], count]) => ({ peer: peer!, direction: direction!, reason: reason!, count })),
    };
  }
}

/** Most frequent first; ties in key order so that output is stable. */
function rows(entries: [string, number][]): [string[], number][] {
  return entries
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => [k.split(SEP), v]);
}
