/** `smtp-tls-exporter probe`: one STARTTLS probe from the command line. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../config/duration.js';
import { errorMessage } from '../errors.js';
import { formatHostPort, parseHostPort, SMTP_PORT } from '../probes/address.js';
import { DEFAULT_MX_LIMIT, resolveMxHosts } from '../probes/mx.js';
import { createHostLookup, createMxResolver, type MxResolver } from '../probes/resolver.js';
import { defaultEhloName, failedBeforeConnect, probeStarttls } from '../probes/starttls-probe.js';
import { cipherListProblem, isTlsProtocol, versionRangeValid } from '../probes/tls-profile.js';
import { DEFAULT_PROFILE, TLS_PROTOCOLS, type HostLookup, type ProbeResult, type TlsProfile } from '../probes/types.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CommandIo } from './io.js';
import { formatProbeReport } from './probe-report.js';

export const PROBE_USAGE = `Usage: smtp-tls-exporter probe [options] HOST[:PORT]

Connects to HOST (port ${SMTP_PORT} unless given; IPv6 as [addr]:port), reads the greeting, sends EHLO
and STARTTLS, performs the TLS handshake and reports what it saw. Exits 0 when the probe succeeds,
1 when it fails, 2 on a usage error.

Options:
  --json               print the result as JSON
  --timeout S          deadline of the whole probe in seconds (or 500ms, 2m; default 15)
  --servername N       SNI and the name the certificate must match (default: HOST)
  --ca FILE            PEM trust anchors instead of the default root store
  --verify             require a trusted chain and a matching name (cert_* failures)
  --ciphers L          OpenSSL cipher list (default ${DEFAULT_PROFILE.ciphers})
  --min-version V      lowest protocol version offered (default ${DEFAULT_PROFILE.minVersion})
  --max-version V      highest protocol version offered (default: the highest supported)
  --enumerate          also test which of ${TLS_PROTOCOLS.join(', ')} the server accepts
  --mx                 HOST is a mail domain: probe its MX hosts (at most ${DEFAULT_MX_LIMIT})
  --ehlo-name N        name sent with EHLO (default: this host's name)
  -h, --help           show this help
`;

export interface ProbeCommandDeps {
  resolveMx?: MxResolver;
  lookup?: HostLookup;
  now?: () => number;
}

const OPTIONS = {
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  servername: { type: 'string' },
  ca: { type: 'string' },
  verify: { type: 'boolean' },
  ciphers: { type: 'string' },
  'min-version': { type: 'string' },
  'max-version': { type: 'string' },
  enumerate: { type: 'boolean' },
  mx: { type: 'boolean' },
  'ehlo-name': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usageError(io: CommandIo, message: string): number {
  io.stderr(`smtp-tls-exporter probe: ${message}\nRun 'smtp-tls-exporter probe --help' for usage.\n`);
  return EXIT_USAGE;
}

/** Seconds as a bare number, or a duration with its unit. */
function parseTimeout(text: string): number | null {
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(text)) return Math.round(Number(text) * 1000);
  return parseDuration(text);
}

export async function runProbeCommand(args: string[], io: CommandIo, deps: ProbeCommandDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usageError(io, errorMessage(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(PROBE_USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) return usageError(io, positionals.length === 0 ? 'missing HOST[:PORT]' : `expected one HOST[:PORT], got ${positionals.length}`);
  const where = parseHostPort(positionals[0] as string);
  if (typeof where === 'string') return usageError(io, where);

  const timeoutMs = values.timeout === undefined ? 15_000 : parseTimeout(values.timeout);
  if (timeoutMs === null || timeoutMs <= 0) return usageError(io, `--timeout: invalid value ${JSON.stringify(values.timeout)} (seconds, e.g. 10 or 2.5)`);

  const profile: TlsProfile = { ...DEFAULT_PROFILE };
  if (values.ciphers !== undefined) {
    const problem = cipherListProblem(values.ciphers);
    if (problem || values.ciphers.trim() === '') return usageError(io, `--ciphers: ${JSON.stringify(values.ciphers)} is refused by OpenSSL: ${problem ?? 'empty list'}`);
    profile.ciphers = values.ciphers;
  }
  for (const [flag, value] of [['min-version', values['min-version']], ['max-version', values['max-version']]] as const) {
    if (value === undefined) continue;
    if (!isTlsProtocol(value)) return usageError(io, `--${flag}: ${JSON.stringify(value)} is not one of ${TLS_PROTOCOLS.join(', ')}`);
    if (flag === 'min-version') profile.minVersion = value;
    else profile.maxVersion = value;
  }
  if (!versionRangeValid(profile.minVersion, profile.maxVersion)) {
    return usageError(io, `--min-version ${profile.minVersion} is above --max-version ${profile.maxVersion}`);
  }

  let ca: Buffer | undefined;
  if (values.ca !== undefined) {
    try {
      ca = await readFile(resolve(io.cwd, values.ca));
    } catch (err) {
      return usageError(io, `--ca: cannot read ${values.ca}: ${errorMessage(err)}`);
    }
  }

  const controller = new AbortController();
  void io.stopSignal.then(() => controller.abort());
  const now = deps.now ?? Date.now;
  const lookup = deps.lookup ?? createHostLookup();
  const target = positionals[0] as string;

  let hosts: string[] = [where.host];
  const results: ProbeResult[] = [];
  if (values.mx) {
    const mx = await resolveMxHosts(where.host, deps.resolveMx ?? createMxResolver(), DEFAULT_MX_LIMIT);
    if (!mx.ok) {
      results.push(failedBeforeConnect(target, where.host, where.port, 'dns_error', mx.error));
      hosts = [];
    } else {
      hosts = mx.hosts;
      if (!values.json) io.stdout(`MX hosts of ${where.host}: ${hosts.join(', ')}\n\n`);
    }
  }

  for (const host of hosts) {
    if (controller.signal.aborted) break;
    const result = await probeStarttls(
      {
        target,
        host,
        port: where.port,
        servername: values.servername,
        verify: values.verify ?? false,
        ca,
        profile,
        ehloName: values['ehlo-name'] ?? defaultEhloName(),
        timeoutMs,
        enumerate: values.enumerate ?? false,
        lookup,
      },
      controller.signal,
    );
    results.push(result);
    if (!values.json) io.stdout(`${formatProbeReport(result, profile, now())}${hosts.length > 1 ? '\n' : ''}`);
  }

  if (values.json) io.stdout(`${JSON.stringify(values.mx ? results : results[0], null, 2)}\n`);
  else if (results.length > 0 && hosts.length === 0) io.stdout(formatProbeReport(results[0] as ProbeResult, profile, now()));
  if (!values.json && values.mx && results.length > 1) {
    const failed = results.filter((r) => !r.success);
    io.stdout(`${results.length - failed.length} of ${results.length} MX hosts passed${failed.length > 0 ? `; failed: ${failed.map((r) => `${formatHostPort(r.host, r.port)} (${r.reason})`).join(', ')}` : ''}\n`);
  }
  return results.length > 0 && results.every((r) => r.success) ? EXIT_OK : EXIT_FAILURE;
}
