/** The text report of one probe, read like an `openssl s_client -starttls smtp` session. */
import { formatHostPort } from '../probes/address.js';
import { TLS_PROTOCOLS, type ProbeReason, type ProbeResult, type TlsProfile } from '../probes/types.js';

const HINTS: Record<ProbeReason, string> = {
  dns_error: 'the name does not resolve; check its spelling, or give the domain with --mx to probe its MX hosts',
  connect_refused: 'nothing listens on that port, or a firewall rejects the connection',
  connect_timeout: 'no answer to the TCP connection attempt: a firewall dropping packets, or outbound port 25 blocked by the network',
  smtp_error: 'the server refused the session before STARTTLS; it may block this address or the EHLO name',
  starttls_not_offered: 'the server does not advertise STARTTLS to this client: mail to it travels in plaintext',
  starttls_rejected: 'the server advertised STARTTLS but refused to start it; its TLS certificate or key is often broken',
  timeout: 'the server stopped answering; try a larger --timeout, or look for a middlebox holding the connection',
  no_shared_cipher: "the server accepts none of the profile's ciphers; compare --ciphers with what it accepts using --enumerate",
  protocol_version: 'no protocol version in common; see which versions the server accepts with --enumerate and adjust --min-version/--max-version',
  non_tls_data: 'the server answered the TLS ClientHello with plaintext: broken STARTTLS support, or a middlebox stripping TLS',
  cert_untrusted: 'the chain does not lead to a trusted root; give the issuing CA with --ca, or check the intermediates the server sends',
  cert_expired: 'the certificate has expired; the server must install a renewed one',
  cert_hostname_mismatch: 'the certificate does not name this host; check --servername (usually the MX host name the MTA connects to)',
  lost_connection: 'the server closed the connection; its TLS library or policy refused this client, see its logs',
  other: 'see the error above',
};

const VERIFY_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the issuer is not among the trust anchors',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer is not among the trust anchors',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate is missing',
};

export function hintFor(reason: ProbeReason): string {
  return HINTS[reason];
}

function ms(seconds: number): string {
  const m = seconds * 1000;
  return m < 10 ? `${m.toFixed(1)} ms` : `${Math.round(m)} ms`;
}

function shortDate(iso: string): string {
  return iso.replace(/\.000Z$/, 'Z');
}

function validity(notBefore: string, notAfter: string, now: number): string {
  const end = Date.parse(notAfter);
  const start = Date.parse(notBefore);
  let note = '';
  if (!Number.isNaN(start) && start > now) note = ' (not valid yet)';
  else if (!Number.isNaN(end)) {
    const days = Math.floor((end - now) / 86_400_000);
    note = end < now ? ` (EXPIRED ${-days} days ago)` : ` (${days} days left)`;
  }
  return `${shortDate(notBefore)} to ${shortDate(notAfter)}${note}`;
}

export function describeProfile(profile: TlsProfile): string {
  return `ciphers ${profile.ciphers}, ${profile.minVersion}${profile.maxVersion ? ` to ${profile.maxVersion}` : ' or later'}`;
}

export function formatProbeReport(result: ProbeResult, profile: TlsProfile, now: number): string {
  const out: string[] = [];
  const where = formatHostPort(result.host, result.port);
  out.push(`Probing ${where} (name checked: ${result.servername}; verification ${result.verify ? 'required' : 'not required'}; ${describeProfile(profile)})`);
  if (result.address !== null) out.push(`Connected to ${result.address} port ${result.port}${result.timings.connect !== undefined ? ` in ${ms(result.timings.connect)}` : ''}`);
  const plain = result.transcript.filter((l) => !l.tls);
  const secure = result.transcript.filter((l) => l.tls);
  for (const line of plain) out.push(`${line.from === 'server' ? 'S:' : 'C:'} ${line.text}`);
  if (result.protocol) out.push(`TLS: ${result.protocol} with ${result.cipher ?? 'unknown cipher'}`);
  const cert = result.cert;
  if (cert) {
    out.push('Certificate chain:');
    cert.chain.forEach((c, i) => {
      out.push(`  ${i} subject: ${c.subject}`);
      out.push(`    issuer:  ${c.issuer}`);
      out.push(`    valid:   ${validity(c.not_before, c.not_after, now)}`);
    });
    out.push(`Leaf key: ${cert.key_type ?? 'unknown'}${cert.key_bits ? ` ${cert.key_bits} bits` : ''}, signed with ${cert.signature_algorithm ?? 'unknown algorithm'}`);
    out.push(`SANs: ${cert.sans.length > 0 ? cert.sans.join(', ') : '(none)'}`);
    const chain = cert.verified
      ? 'chain verified'
      : `chain NOT verified: ${cert.verify_error}${cert.verify_error && VERIFY_ERRORS[cert.verify_error] ? ` (${VERIFY_ERRORS[cert.verify_error]})` : ''}`;
    const name = cert.hostname_match ? `certificate names ${cert.checked_name}` : `certificate does NOT name ${cert.checked_name}`;
    out.push(`Verification: ${chain}; ${name}${result.verify ? '' : ' (not required: give --verify to require it)'}`);
  } else if (result.protocol) out.push('Certificate: none sent');
  for (const line of secure) out.push(`${line.from === 'server' ? 'S:' : 'C:'} ${line.text}  [TLS]`);
  if (result.protocols) {
    const support = TLS_PROTOCOLS.map((p) => {
      const v = result.protocols?.[p];
      return `${p} ${v === true ? 'yes' : v === false ? 'no' : 'unknown'}`;
    });
    out.push(`Protocols accepted: ${support.join(', ')}`);
  }
  const phases = Object.entries(result.timings).map(([phase, s]) => `${phase} ${ms(s)}`);
  if (phases.length > 0) out.push(`Timings: ${phases.join(', ')}`);
  if (result.success) out.push('Result: OK');
  else {
    const reason = result.reason ?? 'other';
    out.push(`Result: FAILED ${reason}${result.failed_phase ? ` in ${result.failed_phase}` : ''}${result.error ? `: ${result.error}` : ''}`);
    out.push(`Hint: ${hintFor(reason)}`);
  }
  return `${out.join('\n')}\n`;
}
