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

  add(values: readonly string[]): void {
    const last = values.length - 1;
    let m = this.root;
    for (let i = 0; i < last; i++) {
      let next = m.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map<string, unknown>();
        m.set(own(values[i]!), next);
      }
      m = next;
    }
    const cell = m.get(values[last]!) as { values: string[]; count: number } | undefined;
    if (cell !== undefined) {
      cell.count++;
      return;
    }
    const fresh = { values: values.map(own), count: 1 };
    m.set(fresh.values[last]!, fresh);
    this.counts.push(fresh);
  }

  /** The counts under joined keys (to sort). */
  entries(): [string, number][] {
    return this.counts.map((c) => [c.values.join(SEP), c.count]);
  }
}

export class ReportAccumulator {
  linesRead = 0;
  private readonly handshakes = new Tally();
  private readonly failures = new Tally();
  /** Many peers: one joined key each costs less memory than a map per peer. */
  private readonly peers = new Map<string, number>();
  // label values of the outcome at hand, reused from one outcome to the next
  private readonly handshakeKey: string[] = ['', '', '', '', ''];
  private readonly failureKey: string[] = ['', '', ''];

  add(o: Outcome): void {
    if (o.kind === 'handshake') {
      const k = this.handshakeKey;
      k[0] = o.mta;
      k[1] = o.direction;
      k[2] = o.protocol;
      k[3] = o.cipher;
      k[4] = o.trust;
      this.handshakes.add(k);
      return;
    }
    const k = this.failureKey;
    k[0] = o.mta;
    k[1] = o.direction;
    k[2] = o.reason;
    this.failures.add(k);
    if (o.peer) {
      // join() makes one flat string; a template would keep the cut peer, and with it its line, alive
      const p = [o.peer, o.direction, o.reason].join(SEP);
      this.peers.set(p, (this.peers.get(p) ?? 0) + 1);
    }
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
