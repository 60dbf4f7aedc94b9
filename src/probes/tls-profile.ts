/** Checks of a TLS profile against the local TLS library, for configuration and command-line errors. */
import tls from 'node:tls';
import { shortErrorMessage } from './tls-errors.js';
import { TLS_PROTOCOLS, type TlsProtocol } from './types.js';

export function isTlsProtocol(value: unknown): value is TlsProtocol {
  return typeof value === 'string' && (TLS_PROTOCOLS as readonly string[]).includes(value);
}

/** Why OpenSSL refuses the cipher list (e.g. `no cipher match`), or null when it is usable. */
export function cipherListProblem(ciphers: string): string | null {
  try {
    tls.createSecureContext({ ciphers });
    return null;
  } catch (err) {
    return shortErrorMessage(err);
  }
}

/** Whether `min` is not above `max` in protocol order. */
export function versionRangeValid(min: TlsProtocol, max: TlsProtocol | undefined): boolean {
  return max === undefined || TLS_PROTOCOLS.indexOf(min) <= TLS_PROTOCOLS.indexOf(max);
}
