/** The MX hosts of a domain, best preference first, at most `limit` of them. */
import { errorCode } from './tls-errors.js';
import type { MxResolver } from './resolver.js';

export const DEFAULT_MX_LIMIT = 3;

export type MxLookupResult = { ok: true; hosts: string[] } | { ok: false; error: string; code: string };

/**
 * RFC 5321 §5.1: no MX record means the domain itself is the mail host; a lone `.` (RFC 7505,
 * null MX) means the domain accepts no mail.
 */
export async function resolveMxHosts(domain: string, resolveMx: MxResolver, limit = DEFAULT_MX_LIMIT): Promise<MxLookupResult> {
  let records;
  try {
    records = await resolveMx(domain);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENODATA') return { ok: true, hosts: [domain.replace(/\.$/, '')] };
    return { ok: false, code: code || 'ERROR', error: `MX lookup for ${domain} failed: ${code || (err as Error).message}` };
  }
  if (records.length === 0) return { ok: true, hosts: [domain.replace(/\.$/, '')] };
  const hosts = [...records]
    .map((r) => ({ priority: r.priority, host: r.exchange.replace(/\.$/, '').toLowerCase() }))
    .sort((a, b) => a.priority - b.priority || a.host.localeCompare(b.host));
  if (hosts.length === 1 && hosts[0]?.host === '') return { ok: false, code: 'NULL_MX', error: `${domain} publishes a null MX (accepts no mail)` };
  const unique = [...new Set(hosts.map((h) => h.host).filter((h) => h !== ''))];
  return { ok: true, hosts: unique.slice(0, Math.max(1, limit)) };
}
