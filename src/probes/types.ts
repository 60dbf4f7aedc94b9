/** What an active STARTTLS probe is asked to do and what it reports. */

export const PROBE_REASONS = [
  'dns_error',
  'connect_refused',
  'connect_timeout',
  'smtp_error',
  'starttls_not_offered',
  'starttls_rejected',
  'timeout',
  'no_shared_cipher',
  'protocol_version',
  'non_tls_data',
  'cert_untrusted',
  'cert_expired',
  'cert_hostname_mismatch',
  'lost_connection',
  'other',
] as const;
export type ProbeReason = (typeof PROBE_REASONS)[number];

export const TLS_PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsProtocol = (typeof TLS_PROTOCOLS)[number];

export const PROBE_PHASES = ['resolve', 'connect', 'greeting', 'ehlo', 'starttls', 'handshake', 'total'] as const;
export type ProbePhase = (typeof PROBE_PHASES)[number];

/** The client TLS settings of the MTA being mirrored. */
export interface TlsProfile {
  /** OpenSSL cipher list; TLS 1.3 suites (`TLS_…`) may be listed too. */
  ciphers: string;
  minVersion: TlsProtocol;
  maxVersion?: TlsProtocol;
}

export const DEFAULT_PROFILE: TlsProfile = { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' };

/** Resolves a host name to its addresses (A and AAAA), in the order they should be tried. */
export type HostLookup = (host: string) => Promise<string[]>;

export interface ProbeOptions {
  /** Label of what is probed (a configured target name, or what was typed on the command line). */
  target: string;
  /** Host name or IP address literal to connect to. */
  host: string;
  port: number;
  /** SNI and the name the certificate must match; defaults to `host`. */
  servername?: string;
  /** Require a trusted chain and a matching name; failures become `cert_*` reasons. */
  verify: boolean;
  /** PEM trust anchors replacing the default root store. */
  ca?: string | Buffer;
  profile: TlsProfile;
  /** Name sent with EHLO. */
  ehloName: string;
  /** Deadline of the whole probe (one session). */
  timeoutMs: number;
  /** Deadline of each phase; the whole-probe deadline still applies. */
  phaseTimeoutMs?: number;
  /** Also find which protocol versions the peer accepts (one session each). */
  enumerate?: boolean;
  lookup?: HostLookup;
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** ISO 8601. */
  not_before: string;
  not_after: string;
}

export interface CertificateFacts extends CertificateSummary {
  /** `DNS:name` and `IP:address` entries. */
  sans: string[];
  serial: string;
  fingerprint_sha256: string;
  /** `rsa`, `ec`, `ed25519`, … */
  key_type: string | null;
  key_bits: number | null;
  signature_algorithm: string | null;
  /** Chain to a trust anchor verified (validity dates included). */
  verified: boolean;
  /** OpenSSL's verification error code, e.g. `CERT_HAS_EXPIRED`. */
  verify_error: string | null;
  /** The certificate names the expected host. */
  hostname_match: boolean;
  /** The name checked against the certificate. */
  checked_name: string;
  /** Leaf first, as presented or as built during verification. */
  chain: CertificateSummary[];
}

export interface TranscriptLine {
  from: 'client' | 'server';
  text: string;
  /** Sent or received inside TLS. */
  tls?: boolean;
}

export type ProbeTimings = Partial<Record<ProbePhase, number>>;

/** Field names are those of the JSON output. */
export interface ProbeResult {
  target: string;
  host: string;
  port: number;
  /** IP address actually connected to (null when not reached). */
  address: string | null;
  servername: string;
  verify: boolean;
  success: boolean;
  reason: ProbeReason | null;
  /** Human-readable detail of the failure (error message or SMTP reply). */
  error: string | null;
  /** Phase the probe failed in (null on success). */
  failed_phase: ProbePhase | null;
  starttls_offered: boolean | null;
  /** EHLO keywords with their parameters, upper-cased keyword first. */
  ehlo_extensions: string[];
  protocol: string | null;
  cipher: string | null;
  cert: CertificateFacts | null;
  /** Seconds per phase reached. */
  timings: ProbeTimings;
  /** With enumeration: accepted (true), refused (false), undetermined (null). */
  protocols?: Record<TlsProtocol, boolean | null>;
  transcript: TranscriptLine[];
}
