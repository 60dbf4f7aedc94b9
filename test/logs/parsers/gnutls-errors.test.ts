import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reasonFromGnuTls } from '../../../src/logs/parsers/gnutls-errors.js';

const CASES: [string, string | null][] = [
  ['No supported cipher suites have been found.', 'no_shared_cipher'],
  ['Could not negotiate a supported cipher suite.', 'no_shared_cipher'],
  ['No or insufficient priorities were set.', 'no_shared_cipher'],
  ['One of the involved algorithms has insufficient security level.', 'weak_crypto'],
  ['The Diffie-Hellman prime sent by the server is not acceptable (not long enough).', 'weak_crypto'],
  ['A packet with illegal or unsupported version was received.', 'protocol_version'],
  ['Error in protocol version', 'protocol_version'],
  ['An unexpected TLS packet was received.', 'non_tls_data'],
  ['A TLS packet with unexpected length was received.', 'non_tls_data'],
  ['The TLS connection was non-properly terminated.', 'lost_connection'],
  ['Error in the pull function.', 'lost_connection'],
  ['Error in the push function.', 'lost_connection'],
  ['timed out', 'timeout'],
  ['The operation timed out', 'timeout'],
  ['certificate invalid', 'cert_verify_failed'],
  ['certificate revoked', 'cert_untrusted'],
  ['Error in the certificate verification.', 'cert_verify_failed'],
  ['The peer did not send any certificate.', 'cert_untrusted'],
  ['Certificate is required.', 'cert_untrusted'],
  ['The session or certificate has expired.', 'cert_expired'],
  ['Insufficient credentials for that request.', 'local_config'],
  // received alerts, as Exim 4.96 (bare), 4.97+ (rxd alert:) and older releases write them
  ['Handshake failed', 'no_shared_cipher'],
  ['rxd alert: Handshake failed', 'no_shared_cipher'],
  ['rxd alert: Certificate is required', 'cert_rejected_by_peer'],
  ['A TLS fatal alert has been received: Certificate is bad', 'cert_rejected_by_peer'],
  ['A TLS fatal alert has been received: CA is unknown', 'cert_rejected_by_peer'],
  ['A TLS fatal alert has been received.: Insufficient security', 'no_shared_cipher'],
  ['rxd alert: Internal error', 'other'],
  ['rxd alert: Something new', 'other'],
  ['A TLS fatal alert has been received.', 'other'],
  ['Safe renegotiation failed.', 'other'],
  ['error:0A0000C1:SSL routines::no shared cipher', null],
  ['something else entirely', null],
];

for (const [text, reason] of CASES) {
  test(`GnuTLS: ${text}`, () => {
    assert.is(reasonFromGnuTls(text), reason);
  });
}

test.run();
