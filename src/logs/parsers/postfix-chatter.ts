/** Postfix lines that look TLS-related but carry no verdict: understood, and otherwise ignored. */

/** Lines that start with one of these are TLS engine chatter (loglevel ≥ 1) that carries no verdict. */
const CHATTER_PREFIXES = [
  'SSL_accept:',
  'SSL_connect:',
  'unknown:',
  'setting up TLS connection ',
  'initializing the server-side TLS engine',
  'initializing the client-side TLS engine',
  'Host offered STARTTLS',
  'TLS SNI ',
  'CONNECT ',
  'DISCONNECT ',
  'subject=',
  'issuer=',
  'Verified: ',
  'Unverified: ',
  'certificate verification depth=',
  'verify return:',
  'looking for session ',
  'reloaded session ',
  'save session ',
  'remove session ',
  'skipping TLS trace output',
  'TLS protocol trace for ',
  'read from ',
  'write to ',
  'effective TLS level:',
  'global TLS level:',
  'using backwards-compatible default setting',
  'tls_library_init:',
  'cannot load Certification Authority data',
  'cannot set default OpenSSL certificate verification',
  'Relaying allowed for ',
  'relay_clientcerts:',
  'SSL_set_fd error',
  'improper command pipelining after STARTTLS',
  'too many errors after STARTTLS',
  'NOQUEUE: ',
];

/** After `name[addr]: ` (the peer's namaddr): per-connection engine chatter. */
const PEER_CHATTER =
  /^\S*\[[^\]]*\](?::\d+)?:? (?:TLS cipher list|depth=|verify=|subject_CN=|(?:Trusted|Untrusted|Matched) subject_CN|Matched |matched peername|raw public key|SNI hostname|Reusing old session|re-using session|looking (?:up|for) session|reloaded session|save session|remove session|Issuing session ticket|Decrypting session ticket|certificate verification depth=|CommonName )/;

const WARNING_UNDERSTOOD =
  /^warning: (?:(?:\S+: )?(?:all TLSA records unusable|all trust anchors unusable|all fingerprints unusable|TLS is required but unavailable|error loading match name|ignoring invalid match name|could not configure peer name checks|error enabling|error configuring local trust anchors|ignoring too long SNI|error setting SNI|unknown TLS policy|ignoring attribute|opportunistic TLS encryption is not appropriate)|tlsproxy handshake failed|Refusing STARTTLS request|New TLS session rate limit exceeded|No server certs available|Need a server cert|Can't require client certs|TLS has been selected|disabling TLS support|no entropy for TLS|cannot allocate (?:client|server) SSL_CTX|cannot get |cannot load |error loading |Invalid TLS protocol list|TLS SNI |TLS policy lookup|DANE TLSA lookup problem|run-time library vs\. compile-time header version mismatch|TLSRPT )/;

/** True for TLS-related lines that are understood but change nothing. */
export function isChatter(msg: string): boolean {
  for (const p of CHATTER_PREFIXES) if (msg.startsWith(p)) return true;
  if (msg.startsWith('warning: ')) return WARNING_UNDERSTOOD.test(msg);
  return PEER_CHATTER.test(msg);
}

/** A line that looks TLS-related, for counting lines that no rule understood. */
export function looksTls(msg: string): boolean {
  return msg.includes('TLS') || msg.includes('SSL') || msg.includes('certificate');
}
