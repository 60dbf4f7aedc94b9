/** Maps Node and OpenSSL errors seen during a probe to a probe reason. */
import type { ProbeReason } from './types.js';

export type NetworkPhase = 'resolve' | 'connect' | 'smtp' | 'handshake';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENONAME', 'ENOTIMP', 'EREFUSED', 'EBADNAME']);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

const NO_SHARED_CIPHER = new Set([
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_NO_SHARED_CIPHER',
  'ERR_SSL_TLSV1_ALERT_INSUFFICIENT_SECURITY',
  'ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM',
  'ERR_SSL_NO_SUITABLE_KEY_SHARE',
]);
const PROTOCOL_VERSION = new Set([
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_WRONG_SSL_VERSION',
  'ERR_SSL_TLSV1_ALERT_INAPPROPRIATE_FALLBACK',
  'ERR_SSL_VERSION_TOO_LOW',
  'ERR_SSL_VERSION_TOO_HIGH',
]);
const NON_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_HTTPS_PROXY_REQUEST',
  'ERR_SSL_UNEXPECTED_RECORD',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
]);

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The reason for an error raised by the socket, DNS or TLS layer in the given phase. */
export function reasonForError(err: unknown, phase: NetworkPhase): ProbeReason {
  const code = errorCode(err);
  if (DNS_CODES.has(code)) return 'dns_error';
  if (code === 'ECONNREFUSED') return 'connect_refused';
  if (code === 'ETIMEDOUT') return phase === 'connect' ? 'connect_timeout' : 'timeout';
  if (LOST_CODES.has(code)) return 'lost_connection';
  if (NO_SHARED_CIPHER.has(code)) return 'no_shared_cipher';
  if (PROTOCOL_VERSION.has(code)) return 'protocol_version';
  if (NON_TLS.has(code)) return 'non_tls_data';
  if (phase === 'resolve') return 'dns_error';
  return 'other';
}

/** The reason for a failed chain verification (Node's `authorizationError` code). */
export function reasonForVerifyError(code: string): ProbeReason {
  return code === 'CERT_HAS_EXPIRED' ? 'cert_expired' : 'cert_untrusted';
}

/** First line of an error message, without OpenSSL's `error:0A00…:SSL routines:` noise. */
export function shortErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0] ?? '';
  const ssl = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/.exec(first);
  return ssl?.[1] ?? first;
}
