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

export class ReportAccumulator {
  linesRead = 0;
  private readonly handshakes = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly peers = new Map<string, number>();

  add(o: Outcome): void {
    if (o.kind === 'handshake') {
      const k = [o.mta, o.direction, o.protocol, o.cipher, o.trust].join(SEP);
      this.handshakes.set(k, (this.handshakes.get(k) ?? 0) + 1);
      return;
    }
    const k = [o.mta, o.direction, o.reason].join(SEP);
    this.failures.set(k, (this.failures.get(k) ?? 0) + 1);
    if (o.peer) {
      const p = [o.peer, o.direction, o.reason].join(SEP);
      this.peers.set(p, (this.peers.get(p) ?? 0) + 1);
    }
  }

  summary(top: number): ReportSummary {
    return {
      lines_read: this.linesRead,
      handshakes: rows(this.handshakes).map(([[mta, direction, protocol, cipher, trust], count]) => ({
        mta: mta!, direction: direction!, protocol: protocol!, cipher: cipher!, trust: trust!, count,
      })),
      failures: rows(this.failures).map(([[mta, direction, reason], count]) => ({
        mta: mta!, direction: direction!, reason: reason!, count,
      })),
      top_failing_peers: rows(this.peers)
        .slice(0, top)
        .map(([[peer, direction, reason], count]) => ({ peer: peer!, direction: direction!, reason: reason!, count })),
    };
  }
}

/** Most frequent first; ties in key order so that output is stable. */
function rows(m: Map<string, number>): [string[], number][] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => [k.split(SEP), v]);
}
