/**
 * Decodes TLS-library error texts into failure reasons. Shared by every OpenSSL-based MTA parser.
 *
 * `ERR_error_string()` has had three shapes; the reason text (and the reason number) is stable
 * across all of them, the function name and the packed code are not:
 *   error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1417:      (1.0.x)
 *   error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/…     (1.1.x)
 *   error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2283:         (3.x)
 *   error:1404B410:SSL routines:ST_CONNECT:sslv3 alert handshake failure                     (LibreSSL)
 */
import type { FailureReason } from './types.js';

/** Alert descriptions, as they follow `sslv3 alert ` / `ssl/tls alert ` / `tlsv1 alert ` / `tlsv13 alert `. */
const ALERTS: Record<string, FailureReason> = {
  // A peer that sends alert 40 is refusing what we offered; with nothing more specific logged that
  // is, in practice, a cipher/group/signature disagreement.
  'handshake failure': 'no_shared_cipher',
  'insufficient security': 'no_shared_cipher',
  'protocol version': 'protocol_version',
  'inappropriate fallback': 'protocol_version',
  'bad certificate': 'cert_rejected_by_peer',
  'unsupported certificate': 'cert_rejected_by_peer',
  'certificate revoked': 'cert_rejected_by_peer',
  'certificate expired': 'cert_rejected_by_peer',
  'certificate unknown': 'cert_rejected_by_peer',
  'unknown ca': 'cert_rejected_by_peer',
  'access denied': 'cert_rejected_by_peer',
  'certificate required': 'cert_rejected_by_peer',
};

/** Reason texts of the SSL library (lower case, as OpenSSL and LibreSSL print them). */
const REASONS: Record<string, FailureReason> = {
  'no shared cipher': 'no_shared_cipher',
  'no shared groups': 'no_shared_cipher',
  'no shared signature algorithms': 'no_shared_cipher',
  'no suitable key share': 'no_shared_cipher',
  'no suitable groups': 'no_shared_cipher',
  'insufficient security': 'no_shared_cipher',
  // OpenSSL 3 logs this when a TLS 1.0/1.1 client can only use MD5/SHA-1 signatures. The text says
  // nothing about versions and the corpus manifest files these handshakes under `other`.
  'no suitable signature algorithm': 'other',

  'unsupported protocol': 'protocol_version',
  'version too low': 'protocol_version',
  'version too high': 'protocol_version',
  'wrong ssl version': 'protocol_version',
  'unsupported ssl version': 'protocol_version',
  'inappropriate fallback': 'protocol_version',

  'wrong version number': 'non_tls_data',
  'unknown protocol': 'non_tls_data',
  'http request': 'non_tls_data',
  'https proxy request': 'non_tls_data',
  'packet length too long': 'non_tls_data',

  'certificate verify failed': 'cert_untrusted',
  'bad certificate': 'cert_untrusted',
  'peer did not return a certificate': 'cert_untrusted',

  'unexpected eof while reading': 'lost_connection',
  'unexpected eof': 'lost_connection',

  'dh key too small': 'weak_crypto',
  'ee key too small': 'weak_crypto',
  'ca key too small': 'weak_crypto',
  'ca md too weak': 'weak_crypto',
  'legacy sigalg disallowed or unsupported': 'weak_crypto',

  'no cipher match': 'local_config',
  'no ciphers available': 'local_config',
  'library has no ciphers': 'local_config',
  'no protocols available': 'local_config',
  'missing private key': 'local_config',
  'no private key assigned': 'local_config',
  'no certificate assigned': 'local_config',
  'key values mismatch': 'local_config',
  // `EVP lib` usually means the server could not use its own key. The corpus manifest records the
  // one place it was observed (OpenSMTPD's privilege-separated key engine) as `other`.
  'evp lib': 'other',
};

/** Reason numbers of the SSL library, for texts printed as `reason(N)` or left empty. */
const REASON_NUMBERS: Record<number, string> = {
  101: 'no suitable key share',
  118: 'no suitable signature algorithm',
  134: 'certificate verify failed',
  155: 'https proxy request',
  156: 'http request',
  166: 'version too high',
  177: 'no certificate assigned',
  181: 'no ciphers available',
  185: 'no cipher match',
  190: 'no private key assigned',
  191: 'no protocols available',
  193: 'no shared cipher',
  198: 'packet length too long',
  199: 'peer did not return a certificate',
  241: 'insufficient security',
  252: 'unknown protocol',
  258: 'unsupported protocol',
  267: 'wrong version number',
  294: 'unexpected eof while reading',
  333: 'legacy sigalg disallowed or unsupported',
  348: 'bad certificate',
  376: 'no shared signature algorithms',
  394: 'dh key too small',
  396: 'version too low',
  397: 'ca key too small',
  398: 'ca md too weak',
  399: 'ee key too small',
  410: 'no shared groups',
  1040: 'sslv3 alert handshake failure',
  1042: 'sslv3 alert bad certificate',
  1043: 'sslv3 alert unsupported certificate',
  1044: 'sslv3 alert certificate revoked',
  1045: 'sslv3 alert certificate expired',
  1046: 'sslv3 alert certificate unknown',
  1048: 'tlsv1 alert unknown ca',
  1049: 'tlsv1 alert access denied',
  1070: 'tlsv1 alert protocol version',
  1071: 'tlsv1 alert insufficient security',
  1086: 'tlsv1 alert inappropriate fallback',
  1116: 'tlsv13 alert certificate required',
};

const ERROR_CODE = /error:([0-9A-Fa-f]{8}):([^:]*):([^:]*):([^:]*)/g;
const ALERT_PREFIX = /^(?:sslv3|ssl\/tls|tlsv1|tlsv13) alert /;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every known phrase, longest first, for texts that carry a reason without the `error:` frame. */
const BARE_PHRASE = new RegExp(
  `(?:(?:sslv3|ssl/tls|tlsv1|tlsv13) alert (${Object.keys(ALERTS).map(escape).join('|')}))|(${Object.keys(REASONS)
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join('|')})`,
);

function fromReasonText(text: string): FailureReason | undefined {
  const t = text.trim().toLowerCase();
  const direct = REASONS[t];
  if (direct !== undefined) return direct;
  const alert = ALERT_PREFIX.exec(t);
  if (alert) return ALERTS[t.slice(alert[0].length)] ?? 'other';
  return undefined;
}

function fromReasonNumber(code: number): FailureReason | undefined {
  // OpenSSL 3 packs the library into the top 9 bits (0x14 = SSL) and keeps 23 bits of reason;
  // earlier versions keep 12 bits of reason under an 8-bit library and a 12-bit function.
  const reason = code >>> 23 === 0x14 ? code & 0x7fffff : code >>> 24 === 0x14 ? code & 0xfff : -1;
  const text = REASON_NUMBERS[reason];
  return text === undefined ? undefined : fromReasonText(text);
}

/**
 * The failure reason an OpenSSL/LibreSSL error text stands for: a full `error:…` string (any
 * generation) or a bare reason such as `no shared cipher` or `sslv3 alert handshake failure`.
 * `other` for a recognised library error with no better class; null when nothing in the text is
 * an OpenSSL error.
 */
export function reasonFromOpenSsl(text: string): FailureReason | null {
  let framed = false;
  let fallback: FailureReason | null = null;
  if (text.includes('error:')) {
    ERROR_CODE.lastIndex = 0;
    for (let m = ERROR_CODE.exec(text); m !== null; m = ERROR_CODE.exec(text)) {
      framed = true;
      const reasonText = m[4]!;
      let r = reasonText === '' || reasonText.startsWith('reason(') ? undefined : fromReasonText(reasonText);
      if (r === undefined) r = fromReasonNumber(Number.parseInt(m[1]!, 16));
      // When the queue holds several errors, the first classified one is the cause; the rest are
      // usually generic follow-ups such as `internal error`.
      if (r !== undefined && r !== 'other') return r;
      if (r !== undefined) fallback = r;
    }
  }
  if (framed) return fallback ?? 'other';
  const m = BARE_PHRASE.exec(text.toLowerCase());
  if (m) return m[1] !== undefined ? ALERTS[m[1]]! : REASONS[m[2]!]!;
  if (/SSL routines/i.test(text)) return 'other';
  return null;
}

/**
 * The failure reason an X509 verification text stands for (`num=62:hostname mismatch`,
 * `self-signed certificate`, `untrusted issuer /CN=…`, `certificate has expired`, …).
 * `cert_verify_failed` when the text names no cause we know.
 */
export function reasonFromX509(text: string): FailureReason {
  const t = text.toLowerCase();
  if (
    t.includes('hostname mismatch') ||
    t.includes('name mismatch') ||
    t.includes('not present in server certificate') ||
    t.includes('does not match host')
  ) {
    return 'cert_hostname_mismatch';
  }
  if (t.includes('has expired') || t.includes('not yet valid') || t.includes('certificate expired')) {
    return 'cert_expired';
  }
  if (t.includes('too weak') || t.includes('key too small') || t.includes('md too weak')) return 'weak_crypto';
  if (
    t.includes('self-signed') ||
    t.includes('self signed') ||
    t.includes('unable to get local issuer') ||
    t.includes('unable to get issuer') ||
    t.includes('unable to verify the first certificate') ||
    t.includes('untrusted issuer') ||
    t.includes('not trusted') ||
    t.includes('certificate revoked') ||
    t.includes('chain too long') ||
    t.includes('chain longer than limit') ||
    t.includes('unsupported certificate purpose') ||
    t.includes('not designated for use') ||
    t.includes('invalid ca certificate') ||
    t.includes('certificate signature failure') ||
    t.includes('certificate rejected') ||
    t.includes('unable to get certificate crl') ||
    t.includes('untrusted')
  ) {
    return 'cert_untrusted';
  }
  return 'cert_verify_failed';
}
