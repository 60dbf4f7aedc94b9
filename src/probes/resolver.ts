/** The DNS look-ups of probes, behind injectable functions. */
import { promises as dns } from 'node:dns';
import type { HostLookup } from './types.js';

export interface MxRecord {
  exchange: string;
  priority: number;
}

export type MxResolver = (domain: string) => Promise<MxRecord[]>;

/** An error shaped like the resolver's own, so that it is classified the same way. */
export function dnsError(code: string, host: string): Error {
  return Object.assign(new Error(`${code} ${host}`), { code, hostname: host });
}

/** Names that must never be resolved over the network (RFC 6761 §6.4: `invalid`). */
export function isInvalidName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'invalid' || name.endsWith('.invalid');
}

type SystemLookup = (host: string, options: { all: true; verbatim: true }) => Promise<{ address: string }[]>;

/** A HostLookup over the system resolver that answers `*.invalid` itself. */
export function createHostLookup(lookup: SystemLookup = dns.lookup as unknown as SystemLookup): HostLookup {
  return async (host) => {
    if (isInvalidName(host)) throw dnsError('ENOTFOUND', host);
    const addresses = await lookup(host, { all: true, verbatim: true });
    return addresses.map((a) => a.address);
  };
}

/** An MxResolver over the system's DNS servers that answers `*.invalid` itself. */
export function createMxResolver(resolveMx: MxResolver = (d) => dns.resolveMx(d)): MxResolver {
  return async (domain) => {
    if (isInvalidName(domain)) throw dnsError('ENOTFOUND', domain);
    return resolveMx(domain);
  };
}
