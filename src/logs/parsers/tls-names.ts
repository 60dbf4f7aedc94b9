/** Protocol and trust words shared by the Exim, Sendmail, OpenSMTPD and Momentum parsers. */
import { FAILURE_REASONS, TRUST_LEVELS } from './types.js';
import type { FailureReason, Trust } from './types.js';

const PROTOCOL = /^(?:TLS|tls)v?1(?:[._]([0-3]))?$|^(?:SSL|ssl)v?3(?:\.0)?$/;

/**
 * `TLS1.2` (GnuTLS, Exim ≥ 4.94), `TLSv1.2` (OpenSSL), `TLS1.0`, `SSL3.0` → `TLSv1.2`, `TLSv1`,
 * `SSLv3`; anything else (`TLSv1/SSLv3` of old Sendmail, `unknown`) as logged.
 */
export function normaliseProtocol(p: string): string {
  // the constants, not `p`: one string per protocol however many lines name it
  switch (p) {
    case 'TLSv1.3':
      return 'TLSv1.3';
    case 'TLSv1.2':
      return 'TLSv1.2';
    case 'TLSv1.1':
      return 'TLSv1.1';
    case 'TLSv1':
      return 'TLSv1';
    case 'SSLv3':
      return 'SSLv3';
  }
  const m = PROTOCOL.exec(p);
  if (!m) return p;
  if (p[0] === 'S' || p[0] === 's') return 'SSLv3';
  return m[1] === undefined || m[1] === '0' ? 'TLSv1' : `TLSv1.${m[1]}`;
}

const REASON_SET: ReadonlySet<string> = new Set(FAILURE_REASONS);
const TRUST_SET: ReadonlySet<string> = new Set(TRUST_LEVELS);

export function isReason(v: unknown): v is FailureReason {
  return typeof v === 'string' && REASON_SET.has(v);
}

export function isTrust(v: unknown): v is Trust {
  return typeof v === 'string' && TRUST_SET.has(v);
}
