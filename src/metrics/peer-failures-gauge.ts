/** smtp_tls_peer_failures: the top failing peers of a PeerTopK as a prom-client gauge. */
import { Gauge, type Registry } from 'prom-client';
import type { PeerCount, PeerTopK } from './peer-top-k.js';

type PeerLabel = 'direction' | 'peer' | 'reason';

interface PeerSample {
  value: number;
  labels: Record<PeerLabel, string>;
  // Read by prom-client's registry when it formats a sample. Without it, the registry makes an empty
  // object per sample and scrape, and formats and caches it in a WeakMap.
  sharedLabels: Record<string, never>;
}

const NO_SHARED_LABELS: Record<string, never> = Object.freeze({});

function toSample(p: PeerCount): PeerSample {
  return { value: p.count, labels: { direction: p.direction, peer: p.peer, reason: p.reason }, sharedLabels: NO_SHARED_LABELS };
}

/**
 * A gauge whose samples are the top-K's current top, not values given to `set()`. The samples are
 * made again only when the top-K gives a new top (at most once a second), so that the scrapes in
 * between neither hash labels nor allocate.
 */
export class PeerFailuresGauge extends Gauge<PeerLabel> {
  private top: readonly PeerCount[] | null = null;
  private samples: PeerSample[] = [];

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
      this.samples = top.map(toSample);
    }
    return this.samples;
  }
}
