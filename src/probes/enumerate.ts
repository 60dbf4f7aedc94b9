/** Which protocol versions a peer accepts: one STARTTLS session per version. */
import { TLS_PROTOCOLS, type ProbeResult, type TlsProfile, type TlsProtocol } from './types.js';

/**
 * Every cipher and security level 0, so that the answer reflects the peer and not the limits of the
 * local OpenSSL build (TLS 1.0 and 1.1 need level 0 with OpenSSL 3). TLS 1.3 suites keep their default.
 */
export const ENUMERATION_CIPHERS = 'ALL:@SECLEVEL=0';

/** Runs one unverified session with the given profile. */
export type SessionRunner = (profile: TlsProfile) => Promise<ProbeResult>;

export type ProtocolSupport = Record<TlsProtocol, boolean | null>;

/**
 * True: handshake done at that version; false: the peer refused the handshake (with any alert, or by
 * closing); null: the session never got to a handshake, or the handshake timed out.
 */
export function supportFrom(version: TlsProtocol, result: ProbeResult): boolean | null {
  if (result.protocol !== null) return result.protocol === version;
  if (result.failed_phase !== 'handshake' || result.reason === 'timeout') return null;
  return false;
}

export async function enumerateProtocols(run: SessionRunner, shouldStop: () => boolean = () => false): Promise<ProtocolSupport> {
  const out = { 'TLSv1': null, 'TLSv1.1': null, 'TLSv1.2': null, 'TLSv1.3': null } as ProtocolSupport;
  for (const version of TLS_PROTOCOLS) {
    if (shouldStop()) break;
    out[version] = supportFrom(version, await run({ ciphers: ENUMERATION_CIPHERS, minVersion: version, maxVersion: version }));
  }
  return out;
}

/** Whether any accepted version lies within the profile's range. */
export function profileOverlaps(profile: TlsProfile, support: ProtocolSupport): boolean {
  const lo = TLS_PROTOCOLS.indexOf(profile.minVersion);
  const hi = profile.maxVersion ? TLS_PROTOCOLS.indexOf(profile.maxVersion) : TLS_PROTOCOLS.length - 1;
  return TLS_PROTOCOLS.some((v, i) => i >= lo && i <= hi && support[v] !== false);
}
