/** smtp_tls_peer_failures: the top failing peers of a PeerTopK as a prom-client gauge. */
import { Gauge, type Registry } from 'prom-client';
import type { PeerCount, PeerTopK } from './peer-top-k.js';

type PeerLabel = 'direction' | 'peer' | 'reason';

interface PeerSample {
  value: number;
  /** Empty: prom-client formats the labels of every sample field by field, at every scrape. */
  labels: Record<never, string>;
  // prom-client formats `sharedLabels` once per object and keeps the text (in a WeakMap): the label
  // values of a peer are escaped once for as long as it stays in the top, not at every scrape.
  sharedLabels: Record<PeerLabel, string>;
}

const NO_LABELS: Record<never, string> = Object.freeze({});

/**
 * A gauge whose samples are the top-K's current top, not values given to `set()`. The samples are
 * made again only when the top-K gives a new top (at most once a second), so that the scrapes in
 * between neither hash nor escape labels, nor allocate; a new top escapes only the peers new to it.
 */
export class PeerFailuresGauge extends Gauge<PeerLabel> {
  private top: readonly PeerCount[] | null = null;
  private samples: PeerSample[] = [];
  private labelsByKey = new Map<string, PeerSample['sharedLabels']>();

  constructor(
    registry: Registry,
    private readonly topK: PeerTopK,
    private readonly now: () => number,
  ) {
    super({
      name: 'smtp_tls_peer_failures',
      help: 'TLS failures in the last peers.window for the top peers.top failing peers.',
      labelNames: ['direction', 'peer', 'reason'],
      registers: [registry],
    });
  }

  override async get(): ReturnType<Gauge<PeerLabel>['get']> {
    const metric = await super.get();
    return { ...metric, values: this.current() };
  }

  private current(): PeerSample[] {
    const top = this.topK.topCached(this.now());
    if (top !== this.top) {
      this.top = top;
      this.samples = this.samplesOf(top);
    }
    return this.samples;
  }

  /** Peers that stay in the top keep their label object, and with it their formatted label text. */
  private samplesOf(top: readonly PeerCount[]): PeerSample[] {
    const kept = new Map<string, PeerSample['sharedLabels']>();
    const samples = top.map((p) => {
      const key = `${p.direction}\u0000${p.peer}\u0000${p.reason}`;
      const labels = this.labelsByKey.get(key) ?? { direction: p.direction, peer: p.peer, reason: p.reason };
      kept.set(key, labels);
      return { value: p.count, labels: NO_LABELS, sharedLabels: labels };
    });
    this.labelsByKey = kept;
    return samples;
  }
}
