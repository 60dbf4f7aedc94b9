import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reasonFromOpenSsl, reasonFromX509 } from '../../../src/logs/parsers/openssl-errors.js';
import type { FailureReason } from '../../../src/logs/parsers/types.js';

function table(cases: [string, FailureReason | null][]): void {
  for (const [text, want] of cases) assert.is(reasonFromOpenSsl(text), want, text);
}

test('OpenSSL 1.0.x (function names, short file names)', () => {
  table([
    ['error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1417:', 'no_shared_cipher'],
    ['error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:640:', 'non_tls_data'],
    ['error:1408F10B:SSL routines:SSL3_GET_RECORD:wrong version number:s3_pkt.c:339:', 'non_tls_data'],
    // Postfix 2.2 – 2.10 put a thread number in front.
    [
      '25034:error:14094410:SSL routines:SSL3_READ_BYTES:sslv3 alert handshake failure:s3_pkt.c:1092:SSL alert number 40:',
      'no_shared_cipher',
    ],
    ['error:14094418:SSL routines:SSL3_READ_BYTES:tlsv1 alert unknown ca:s3_pkt.c:1262:SSL alert number 48:', 'cert_rejected_by_peer'],
    ['error:14082174:SSL routines:SSL3_CHECK_CERT_AND_ALGORITHM:dh key too small:s3_clnt.c:3331:', 'weak_crypto'],
  ]);
});

test('OpenSSL 1.1.x (statem functions)', () => {
  table([
    ['error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:2283:', 'no_shared_cipher'],
    ['error:14209102:SSL routines:tls_early_post_process_client_hello:unsupported protocol:ssl/statem/statem_srvr.c:1686:', 'protocol_version'],
    ['error:1417D18C:SSL routines:tls_process_client_hello:version too low:../ssl/statem/statem_srvr.c:989:', 'protocol_version'],
    ['error:1417D0FC:SSL routines:tls_process_client_hello:unknown protocol:../ssl/statem/statem_srvr.c:953:', 'non_tls_data'],
    ['error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1915:', 'cert_untrusted'],
    ['error:141A318A:SSL routines:tls_process_ske_dhe:dh key too small:../ssl/statem/statem_clnt.c:2149:', 'weak_crypto'],
  ]);
});

test('OpenSSL 3.x (empty function field), as logged in the corpus', () => {
  table([
    ['error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:', 'no_shared_cipher'],
    ['error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:', 'protocol_version'],
    ['error:0A00009C:SSL routines::http request:../ssl/record/ssl3_record.c:341:', 'non_tls_data'],
    ['error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:350:', 'non_tls_data'],
    ['error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:308:', 'lost_connection'],
    [
      'error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:',
      'no_shared_cipher',
    ],
    [
      'error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70',
      'protocol_version',
    ],
    ['error:0A000410:SSL routines::ssl/tls alert handshake failure', 'no_shared_cipher'],
    ['error:0A000412:SSL routines::ssl/tls alert bad certificate:ssl/record/rec_layer_s3.c:907:SSL alert number 42', 'cert_rejected_by_peer'],
    ['error:0A000086:SSL routines::certificate verify failed:../ssl/statem/statem_clnt.c:1889:', 'cert_untrusted'],
    ['error:0A00018F:SSL routines::ee key too small', 'weak_crypto'],
    ['error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported', 'weak_crypto'],
    ['error:0A0000B9:SSL routines::no cipher match', 'local_config'],
    ['error:0A0000BF:SSL routines::no protocols available', 'local_config'],
  ]);
});

test('the corpus manifest files these under other', () => {
  table([
    // sendmail/in04b, opensmtpd/in04b/in04e: a TLS 1.0/1.1 client meets OpenSSL 3's signature rules.
    ['error:0A000076:SSL routines::no suitable signature algorithm', 'other'],
    ['no suitable signature algorithm', 'other'],
    // opensmtpd/in01b, in06b, in07a/b: its privilege-separated key engine fails under OpenSSL 3.
    ['io-error: error:0A080006:SSL routines::EVP lib', 'other'],
    ['io-error: error:0A0C0103:SSL routines::internal error', 'other'],
    ['io-error: error:0A000093:SSL routines::decryption failed', 'other'],
    ['error:0A000438:SSL routines::tlsv1 alert internal error', 'other'],
  ]);
});

test('LibreSSL (upper-case function names)', () => {
  table([
    ['error:1404B410:SSL routines:ST_CONNECT:sslv3 alert handshake failure', 'no_shared_cipher'],
    ['error:14037418:SSL routines:ACCEPT_SR_KEY_EXCH:tlsv1 alert unknown ca', 'cert_rejected_by_peer'],
    ['error:1404B42E:SSL routines:ST_CONNECT:tlsv1 alert protocol version', 'protocol_version'],
  ]);
});

test('the reason number decides when the text is missing or numeric', () => {
  table([
    ['error:0A0000C1:SSL routines::', 'no_shared_cipher'],
    ['error:1417A0C1:SSL routines:func(383):reason(193):statem_srvr.c:1:', 'no_shared_cipher'],
    ['error:14094416:SSL routines:SSL3_READ_BYTES:reason(1046):s3_pkt.c:1', 'cert_rejected_by_peer'],
    ['error:0A000126:SSL routines::reason(294)', 'lost_connection'],
  ]);
});

test('never decided by the function name or the code alone', () => {
  // A 1.x code whose function is the one of the no-shared-cipher example but whose reason is another.
  assert.is(reasonFromOpenSsl('error:1408A10B:SSL routines:ssl3_get_client_hello:wrong version number:s3_srvr.c:1:'), 'non_tls_data');
  // Not the SSL library: recognised, not classified.
  assert.is(reasonFromOpenSsl('error:0909006C:PEM routines:get_name:no start line:crypto/pem/pem_lib.c:745:'), 'other');
});

test('the first classified error of a queue wins', () => {
  assert.is(
    reasonFromOpenSsl(
      'error:0A0C0103:SSL routines::internal error:ssl/statem/statem_srvr.c:1:, error:0A000126:SSL routines::unexpected eof while reading',
    ),
    'lost_connection',
  );
});

test('bare reason texts (Sendmail reason=, OpenSMTPD, libtls)', () => {
  table([
    ['no shared cipher', 'no_shared_cipher'],
    ['unexpected eof while reading', 'lost_connection'],
    ['sslv3 alert handshake failure', 'no_shared_cipher'],
    ['ssl/tls alert handshake failure', 'no_shared_cipher'],
    ['tlsv1 alert insufficient security', 'no_shared_cipher'],
    ['wrong version number', 'non_tls_data'],
    ['unsupported protocol', 'protocol_version'],
    ['STARTTLS=server, error: accept failed=-1, reason=no shared cipher, SSL_error=1, errno=0, retry=-1', 'no_shared_cipher'],
    ['handshake failed: unexpected EOF', 'lost_connection'],
    ['No Shared Cipher', 'no_shared_cipher'],
  ]);
});

test('null when there is no OpenSSL error', () => {
  table([
    ['', null],
    ['Connection reset by peer', null],
    ['smtp disconnected reason=quit', null],
    ['STARTTLS=server, error: accept failed=-1, reason=unknown, SSL_error=5, errno=0', null],
  ]);
});

test('X509 verification texts', () => {
  const cases: [string, FailureReason][] = [
    ['self-signed certificate', 'cert_untrusted'],
    ['num=18:self signed certificate', 'cert_untrusted'],
    ['self-signed certificate in certificate chain', 'cert_untrusted'],
    ['unable to get local issuer certificate', 'cert_untrusted'],
    ['untrusted issuer /OU=GlobalSign Root CA - R2/O=GlobalSign/CN=GlobalSign', 'cert_untrusted'],
    ['not trusted by local or TLSA policy', 'cert_untrusted'],
    ['certificate has expired', 'cert_expired'],
    ['num=10:certificate has expired', 'cert_expired'],
    ['certificate not yet valid', 'cert_expired'],
    ['certificate is not yet valid', 'cert_expired'],
    ['num=62:hostname mismatch', 'cert_hostname_mismatch'],
    ['num=62:Hostname mismatch', 'cert_hostname_mismatch'],
    ["name `mx.example' not present in server certificate", 'cert_hostname_mismatch'],
    ['num=66:EE certificate key too weak', 'weak_crypto'],
    ['num=68:CA signature digest algorithm too weak', 'weak_crypto'],
    ['external policy failure (sts-policy-fetch-error)', 'cert_verify_failed'],
    ['num=28:certificate rejected', 'cert_untrusted'],
    ['something new', 'cert_verify_failed'],
  ];
  for (const [text, want] of cases) assert.is(reasonFromX509(text), want, text);
});

test.run();
