/**
 * Client TLS contexts of probes. Building one parses the trust anchors and the cipher lists, a large
 * share of a probe's own CPU time, so probes with the same profile and the same trust anchors share
 * one. A context holds no per-connection state and probes offer no session to resume, so sharing it
 * changes no handshake.
 */
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { LruCache } from './lru-cache.js';
import type { TlsProfile } from './types.js';

export class SecureContextCache {
  private readonly contexts: LruCache<string, tls.SecureContext>;

  constructor(readonly limit: number) {
    this.contexts = new LruCache(limit);
  }

  get size(): number {
    return this.contexts.size;
  }

  /** The context for `profile` trusting `ca` (PEM), or the default root store when `ca` is undefined. */
  get(profile: TlsProfile, ca: string | Buffer | undefined): tls.SecureContext {
    return this.contexts.getOrCreate(contextKey(profile, ca), () =>
      tls.createSecureContext({ ciphers: profile.ciphers, minVersion: profile.minVersion, maxVersion: profile.maxVersion, ca }),
    );
  }
}

/** The trust anchors are keyed by content: a CA file read anew for every probe still finds its context. */
function contextKey(profile: TlsProfile, ca: string | Buffer | undefined): string {
  const anchors = ca === undefined ? null : createHash('sha256').update(ca).digest('base64');
  return JSON.stringify([profile.ciphers, profile.minVersion, profile.maxVersion ?? null, anchors]);
}

/** Shared by every probe of the process. */
export const probeContexts = new SecureContextCache(32);
