/**
 * Counts failures per (direction, peer, reason) over a sliding window with bounded memory, whatever
 * the number of distinct peers: the window is split into buckets, and each bucket holds at most
 * `capacity` keys. When a bucket is full, its less frequent half is dropped in one pass (a sort per
 * capacity/2 new keys instead of a scan per new key), so heavy hitters stay and rare peers cycle
 * through. Counts are exact while fewer than `capacity` keys fail within a bucket.
 */

export interface PeerCount {
  direction: string;
  peer: string;
  reason: string;
  count: number;
}

export interface PeerTopKOptions {
  windowMs: number;
  /** How many peers `top()` returns. */
  k: number;
  buckets?: number;
  capacity?: number;
}

interface Bucket {
  start: number;
  counts: Map<string, number>;
}

const SEP = '\u0000';

export class PeerTopK {
  private readonly bucketMs: number;
  private readonly bucketCount: number;
  private readonly capacity: number;
  private readonly buckets: Bucket[] = [];
  private cached: PeerCount[] = [];
  private cachedAt = -Infinity;
  private dirty = false;
  private scratch = new Float64Array(0);

  constructor(private readonly options: PeerTopKOptions) {
    this.bucketCount = options.buckets ?? 12;
    this.bucketMs = Math.max(1, Math.ceil(options.windowMs / this.bucketCount));
    this.capacity = options.capacity ?? Math.max(200, options.k * 10);
  }

  add(direction: string, peer: string, reason: string, now: number): void {
    this.dirty = true;
    const bucket = this.bucketFor(now);
    const key = direction + SEP + peer + SEP + reason;
    const counts = bucket.counts;
    const c = counts.get(key);
    if (c !== undefined) {
      counts.set(key, c + 1);
      return;
    }
    if (counts.size >= this.capacity) this.halve(counts);
    counts.set(key, 1);
  }

  /** Drops all but the `capacity / 2` largest counts (of equal counts, the ones added first stay). */
  private halve(counts: Map<string, number>): void {
    const n = counts.size;
    if (this.scratch.length < n) this.scratch = new Float64Array(n);
    let i = 0;
    for (const v of counts.values()) this.scratch[i++] = v;
    const values = this.scratch.subarray(0, n).sort();
    const keep = this.capacity >> 1;
    const threshold = values[n - keep]!;
    let equalKept = 0;
    for (let j = n - keep; j < n && values[j] === threshold; j++) equalKept++;
    for (const [k, v] of counts) {
      if (v > threshold) continue;
      if (v === threshold && equalKept > 0) equalKept--;
      else counts.delete(k);
    }
  }

  /**
   * Like `top`, but recomputed at most once per `maxAgeMs` while failures keep arriving, so that
   * frequent scrapes do not sort the window again and again.
   */
  topCached(now: number, maxAgeMs = 1000): PeerCount[] {
    if (this.dirty && now - this.cachedAt >= maxAgeMs) this.refresh(now);
    else if (now - this.cachedAt >= this.bucketMs) this.refresh(now);
    return this.cached;
  }

  private refresh(now: number): void {
    this.cached = this.top(now);
    this.cachedAt = now;
    this.dirty = false;
  }

  /** The k peers with most failures in the window ending at `now`, most first. */
  top(now: number): PeerCount[] {
    this.dropExpired(now);
    const sum = new Map<string, number>();
    for (const b of this.buckets) for (const [k, v] of b.counts) sum.set(k, (sum.get(k) ?? 0) + v);
    return [...sum.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, this.options.k)
      .map(([key, count]) => {
        const [direction, peer, reason] = key.split(SEP) as [string, string, string];
        return { direction, peer, reason, count };
      });
  }

  /** Keys held in memory (for tests of the memory bound). */
  size(): number {
    return this.buckets.reduce((n, b) => n + b.counts.size, 0);
  }

  private bucketFor(now: number): Bucket {
    const start = now - (now % this.bucketMs);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.start === start) return last;
    if (last && start < last.start) {
      // Lines from the past (a restart replaying older lines) go into the oldest bucket still open.
      return this.buckets.find((b) => b.start <= start && start < b.start + this.bucketMs) ?? last;
    }
    const bucket = { start, counts: new Map<string, number>() };
    this.buckets.push(bucket);
    this.dropExpired(now);
    return bucket;
  }

  private dropExpired(now: number): void {
    const oldest = now - this.bucketCount * this.bucketMs;
    while (this.buckets.length > 0 && this.buckets[0]!.start + this.bucketMs <= oldest) this.buckets.shift();
    while (this.buckets.length > this.bucketCount) this.buckets.shift();
  }
}
