/** The check every parser's manifest table makes: one fixture file gives the manifest's outcome. */
import * as assert from 'uvu/assert';
import type { FailureOutcome, HandshakeOutcome, Outcome } from '../../src/logs/parsers/types.js';
import type { ManifestEntry } from './corpus.js';

/** Reasons that refine the manifest's coarse `cert_verify_failed` when the log names the cause. */
export const CERT_REASONS = ['cert_untrusted', 'cert_expired', 'cert_hostname_mismatch', 'cert_verify_failed'];

export function filesOf(e: ManifestEntry): string[] {
  return [e.file, ...(e.variant_files ?? [])];
}

export interface ManifestCheckOptions {
  /** The exact finer reason these lines give, where the manifest only has the coarse class. */
  refined?: string;
  /** The manifest's cipher as the exporter reports it (default: unchanged). */
  cipher?: (manifestCipher: string | undefined) => string | undefined;
  /** Extra check of the peer (default: not empty). */
  peer?: (peer: string) => void;
  /** Failures: compare protocol/cipher/trust only where the manifest gives them (default: always). */
  sessionFieldsWhenGiven?: boolean;
}

export function assertManifestOutcome(e: ManifestEntry, out: Outcome[], options: ManifestCheckOptions = {}): void {
  const x = e.expected;
  const cipher = options.cipher ?? ((c) => c);
  if (x.outcome === 'none') {
    assert.equal(out, []);
    return;
  }
  assert.is(out.length, 1, JSON.stringify(out));
  const o = out[0]!;
  assert.is(o.mta, e.mta);
  assert.is(o.direction, e.direction);
  if (options.peer) options.peer(o.peer);
  else assert.ok(o.peer.length > 0, 'peer');
  assert.ok(Number.isFinite(o.time), 'time');
  if (x.outcome === 'success') {
    assert.is(o.kind, 'handshake');
    const h = o as HandshakeOutcome;
    assert.is(h.protocol, x.protocol);
    assert.is(h.cipher, cipher(x.cipher));
    assert.is(h.trust, x.trust);
    return;
  }
  assert.is(o.kind, 'failure');
  const f = o as FailureOutcome;
  if (x.reason === 'cert_verify_failed') assert.ok(CERT_REASONS.includes(f.reason), f.reason);
  else assert.is(f.reason, x.reason);
  if (options.refined !== undefined) assert.is(f.reason, options.refined);
  const given = options.sessionFieldsWhenGiven === true;
  if (!given || x.protocol !== undefined) assert.is(f.protocol, x.protocol);
  if (!given || x.cipher !== undefined) assert.is(f.cipher, cipher(x.cipher));
  if (!given || x.trust !== undefined) assert.is(f.trust, x.trust);
}
