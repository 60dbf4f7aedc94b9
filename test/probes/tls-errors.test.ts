import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reasonForError, reasonForVerifyError, shortErrorMessage } from '../../src/probes/tls-errors.js';

const err = (code: string, message = code) => Object.assign(new Error(message), { code });

test('socket and DNS codes', () => {
  assert.is(reasonForError(err('ENOTFOUND'), 'resolve'), 'dns_error');
  assert.is(reasonForError(err('EAI_AGAIN'), 'resolve'), 'dns_error');
  assert.is(reasonForError(err('ECONNREFUSED'), 'connect'), 'connect_refused');
  assert.is(reasonForError(err('ETIMEDOUT'), 'connect'), 'connect_timeout');
  assert.is(reasonForError(err('ETIMEDOUT'), 'smtp'), 'timeout');
  assert.is(reasonForError(err('ECONNRESET'), 'handshake'), 'lost_connection');
  assert.is(reasonForError(err('EHOSTUNREACH'), 'connect'), 'other');
});

test('OpenSSL codes', () => {
  assert.is(reasonForError(err('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), 'handshake'), 'no_shared_cipher');
  assert.is(reasonForError(err('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'), 'handshake'), 'protocol_version');
  assert.is(reasonForError(err('ERR_SSL_UNSUPPORTED_PROTOCOL'), 'handshake'), 'protocol_version');
  assert.is(reasonForError(err('ERR_SSL_WRONG_VERSION_NUMBER'), 'handshake'), 'non_tls_data');
  assert.is(reasonForError(err('ERR_SSL_PACKET_LENGTH_TOO_LONG'), 'handshake'), 'non_tls_data');
  assert.is(reasonForError(err('ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR'), 'handshake'), 'other');
});

test('verification errors', () => {
  assert.is(reasonForVerifyError('CERT_HAS_EXPIRED'), 'cert_expired');
  assert.is(reasonForVerifyError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'cert_untrusted');
  assert.is(reasonForVerifyError('CERT_NOT_YET_VALID'), 'cert_untrusted');
});

test('OpenSSL messages are shortened to their reason', () => {
  const long = '806C22B4377F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40';
  assert.is(shortErrorMessage(new Error(long)), 'sslv3 alert handshake failure');
  assert.is(shortErrorMessage(new Error('connect ECONNREFUSED 127.0.0.1:25')), 'connect ECONNREFUSED 127.0.0.1:25');
});

test.run();
