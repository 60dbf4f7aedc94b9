/** Facts about the certificate a TLS peer presented. */
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { LruCache } from './lru-cache.js';
import type { CertificateFacts, CertificateSummary } from './types.js';

const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10040.4.3': 'dsa_with_SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa_with_SHA256',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

interface DerElement {
  tag: number;
  start: number;
  end: number;
}

function derElement(der: Buffer, offset: number): DerElement {
  const tag = der[offset];
  let len = der[offset + 1];
  if (tag === undefined || len === undefined) throw new RangeError('truncated DER');
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new RangeError('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + len > der.length) throw new RangeError('truncated DER');
  return { tag, start, end: start + len };
}

function decodeOid(bytes: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (parts.length === 0) parts.push(Math.min(2, Math.floor(value / 40)), value - Math.min(2, Math.floor(value / 40)) * 40);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Name of the algorithm the issuer signed a DER certificate with (its OID when unknown); null when unparsable. */
export function signatureAlgorithm(der: Buffer): string | null {
  try {
    const cert = derElement(der, 0);
    const tbs = derElement(der, cert.start);
    const algId = derElement(der, tbs.end);
    const oid = derElement(der, algId.start);
    if (cert.tag !== 0x30 || tbs.tag !== 0x30 || algId.tag !== 0x30 || oid.tag !== 0x06) return null;
    const dotted = decodeOid(der.subarray(oid.start, oid.end));
    return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
  } catch {
    return null;
  }
}

/** `DNS:a, IP Address:1.2.3.4` → [`DNS:a`, `IP:1.2.3.4`]. */
export function parseSubjectAltName(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  const re = /([A-Za-z][A-Za-z ]*):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (const m of text.matchAll(re)) {
    const kind = m[1] === 'IP Address' ? 'IP' : (m[1] ?? '');
    const raw = m[2] ?? '';
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.trim();
    out.push(`${kind}:${value}`);
  }
  return out;
}

function isoDate(openssl: string): string {
  const t = Date.parse(openssl);
  return Number.isNaN(t) ? openssl : new Date(t).toISOString();
}

const oneLine = (dn: string): string => dn.split('\n').join(', ');

/** The facts that depend on a certificate's bytes alone. */
interface OwnFacts {
  summary: CertificateSummary;
  key_type: string | null;
  key_bits: number | null;
  signature_algorithm: string | null;
}

function ownFacts(cert: DetailedPeerCertificate): OwnFacts {
  const x509 = new X509Certificate(cert.raw);
  const key = x509.publicKey;
  const keyBits = key.asymmetricKeyDetails?.modulusLength ?? (typeof cert.bits === 'number' ? cert.bits : null);
  return {
    summary: {
      subject: oneLine(x509.subject),
      issuer: oneLine(x509.issuer),
      not_before: isoDate(cert.valid_from),
      not_after: isoDate(cert.valid_to),
    },
    key_type: key.asymmetricKeyType ?? null,
    key_bits: keyBits ?? null,
    signature_algorithm: signatureAlgorithm(cert.raw),
  };
}

/**
 * Parsing a certificate (OpenSSL 3 decodes its public key) is the dearest part of these facts, and a
 * probed server presents the same certificates probe after probe: each is parsed once while it stays
 * among the 512 most recently seen.
 */
const known = new LruCache<string, OwnFacts>(512);

function ownFactsOnce(cert: DetailedPeerCertificate): OwnFacts {
  return cert.fingerprint256 ? known.getOrCreate(cert.fingerprint256, () => ownFacts(cert)) : ownFacts(cert);
}

function chainOf(leaf: DetailedPeerCertificate): CertificateSummary[] {
  const out: CertificateSummary[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = leaf;
  while (cert?.raw && !seen.has(cert.fingerprint256) && out.length < 10) {
    seen.add(cert.fingerprint256);
    out.push(ownFactsOnce(cert).summary);
    cert = cert.issuerCertificate;
  }
  return out;
}

function verifyErrorCode(err: unknown): string | null {
  if (!err) return null;
  if (typeof err === 'string') return err;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : String((err as Error).message ?? err);
}

/**
 * Certificate facts of an established TLS connection; null when the peer sent no certificate.
 * `peer` is the connection's getPeerCertificate(true), when already at hand.
 */
export function certificateFacts(socket: TLSSocket, checkedName: string, peer = socket.getPeerCertificate(true)): CertificateFacts | null {
  // Not getPeerX509Certificate(): on Node 20 it takes the certificates out of the connection's peer chain.
  if (!peer || !peer.raw) return null;
  const own = ownFactsOnce(peer);
  return {
    ...own.summary,
    sans: parseSubjectAltName(peer.subjectaltname),
    serial: peer.serialNumber,
    fingerprint_sha256: peer.fingerprint256,
    key_type: own.key_type,
    key_bits: own.key_bits,
    signature_algorithm: own.signature_algorithm,
    verified: socket.authorized,
    verify_error: socket.authorized ? null : (verifyErrorCode(socket.authorizationError) ?? 'UNKNOWN'),
    hostname_match: checkServerIdentity(checkedName, peer) === undefined,
    checked_name: checkedName,
    chain: chainOf(peer),
  };
}
