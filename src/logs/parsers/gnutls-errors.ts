/**
 * Decodes GnuTLS error texts (`gnutls_strerror()`, lib/errors.c) and alert names
 * (`gnutls_alert_get_name()`, lib/alert.c) into failure reasons. Exim on Debian/Ubuntu and
 * Momentum's GNUTLS engine log these. Exim wraps received alerts in three ways depending on its
 * version: `A TLS fatal alert has been received: <name>`, `rxd alert: <name>` (4.97+) and the bare
 * alert name (4.96, e.g. `(gnutls_handshake): Handshake failed`).
 */
import type { FailureReason } from './types.js';

/** Alert names, lower case. An alert is what the peer objected to. */
const ALERTS: Record<string, FailureReason> = {
  // Alert 40 with nothing more specific is, in practice, a cipher/group disagreement (the same
  // choice as for OpenSSL's `alert handshake failure`).
  'handshake failed': 'no_shared_cipher',
  'insufficient security': 'no_shared_cipher',
  'error in protocol version': 'protocol_version',
  'inappropriate fallback': 'protocol_version',
  'certificate is bad': 'cert_rejected_by_peer',
  'certificate is not supported': 'cert_rejected_by_peer',
  'certificate was revoked': 'cert_rejected_by_peer',
  'certificate is expired': 'cert_rejected_by_peer',
  'unknown certificate': 'cert_rejected_by_peer',
  'ca is unknown': 'cert_rejected_by_peer',
  'access was denied': 'cert_rejected_by_peer',
  'certificate is required': 'cert_rejected_by_peer',
  'could not retrieve the specified certificate': 'cert_rejected_by_peer',
  'close notify': 'lost_connection',
  'unexpected message': 'other',
  'bad record mac': 'other',
  'decryption failed': 'other',
  'record overflow': 'other',
  'decompression failed': 'other',
  'illegal parameter': 'other',
  'decode error': 'other',
  'decrypt error': 'other',
  'export restriction': 'other',
  'user canceled': 'other',
  'internal error': 'other',
  'no renegotiation is allowed': 'other',
  'an unsupported extension was sent': 'other',
  'the server name sent was not recognized': 'other',
  'an unknown psk identity was returned': 'other',
  'no supported application protocol could be negotiated': 'other',
  'an extension was expected but was not seen': 'other',
};

/** `gnutls_strerror()` texts (and the few Exim adds itself), lower case, without the final period. */
const ERRORS: Record<string, FailureReason> = {
  'could not negotiate a supported cipher suite': 'no_shared_cipher',
  'no supported cipher suites have been found': 'no_shared_cipher',
  'no or insufficient priorities were set': 'no_shared_cipher',
  'no supported ecc curves were found': 'no_shared_cipher',
  'no common key share with peer': 'no_shared_cipher',
  'one of the involved algorithms has insufficient security level': 'weak_crypto',
  'the diffie-hellman prime sent by the server is not acceptable (not long enough)': 'weak_crypto',

  'a packet with illegal or unsupported version was received': 'protocol_version',
  'a connection with inappropriate fallback was attempted': 'protocol_version',

  // What a non-TLS peer (plain SMTP or HTTP after STARTTLS, or the wrong port) produces.
  'an unexpected tls packet was received': 'non_tls_data',
  'a tls packet with unexpected length was received': 'non_tls_data',

  'the tls connection was non-properly terminated': 'lost_connection',
  'error in the pull function': 'lost_connection',
  'error in the push function': 'lost_connection',
  'peer has terminated the connection': 'lost_connection',
  'the transmitted packet is too large (emsgsize)': 'lost_connection',

  'timed out': 'timeout',
  'the operation timed out': 'timeout',

  'error in the certificate verification': 'cert_verify_failed',
  'error in the certificate': 'cert_verify_failed',
  'certificate invalid': 'cert_verify_failed',
  'certificate revoked': 'cert_untrusted',
  'the peer did not send any certificate': 'cert_untrusted',
  // GNUTLS_E_CERTIFICATE_REQUIRED (we asked, the peer sent none); the alert of the same name has no period.
  'certificate is required.': 'cert_untrusted',
  'the session or certificate has expired': 'cert_expired',
  'the certificate has unsupported attributes': 'cert_verify_failed',
  'key usage violation in certificate has been detected': 'cert_verify_failed',

  'insufficient credentials for that request': 'local_config',
  'the certificate and the given key do not match': 'local_config',
  'no certificate was found': 'local_config',

  'a tls fatal alert has been received': 'other',
  'a tls warning alert has been received': 'other',
  'an unexpected tls handshake packet was received': 'other',
  'decryption has failed': 'other',
  'safe renegotiation failed': 'other',
  'the sni host name not recognised': 'other',
  'no common application protocol could be negotiated': 'other',
  'an illegal parameter has been received': 'other',
  'an illegal tls extension was received': 'other',
  'the signature algorithm is not supported': 'other',
  'resource temporarily unavailable, try again': 'other',
  'function was interrupted': 'other',
};

const ALERT_PREFIXES = [
  'rxd alert: ',
  'a tls fatal alert has been received: ',
  'a tls fatal alert has been received.: ',
];

/**
 * The failure reason a GnuTLS error text stands for, or null when the text is not one GnuTLS (or
 * Exim's GnuTLS glue) writes.
 */
export function reasonFromGnuTls(text: string): FailureReason | null {
  let t = text.trim().toLowerCase();
  for (const p of ALERT_PREFIXES) {
    if (t.startsWith(p)) {
      t = t.slice(p.length);
      return ALERTS[stripPeriod(t)] ?? 'other';
    }
  }
  const exact = ERRORS[t];
  if (exact !== undefined) return exact;
  const bare = stripPeriod(t);
  return ERRORS[bare] ?? ALERTS[bare] ?? null;
}

function stripPeriod(t: string): string {
  return t.endsWith('.') ? t.slice(0, -1) : t;
}
