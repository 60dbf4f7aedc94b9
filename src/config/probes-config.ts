/** The `probes:` section: schedule, limits, TLS profiles and the targets to probe. */
import { isHostName, parseHostPort, SMTP_PORT } from '../probes/address.js';
import { DEFAULT_MX_LIMIT } from '../probes/mx.js';
import { isValidCron } from '../probes/scheduler.js';
import { cipherListProblem, isTlsProtocol, versionRangeValid } from '../probes/tls-profile.js';
import { DEFAULT_PROFILE, TLS_PROTOCOLS, type TlsProfile } from '../probes/types.js';
import { parseDuration } from './duration.js';

interface TargetBase {
  /** Value of the `target` label; unique. */
  name: string;
  servername?: string;
  verify: boolean;
  caFile?: string;
  profile: string;
  enumerate: boolean;
}

/** Probe every MX host of a domain. */
export interface DomainTarget extends TargetBase {
  kind: 'domain';
  domain: string;
  port: number;
  mxLimit: number;
}

/** Probe one host. */
export interface AddressTarget extends TargetBase {
  kind: 'address';
  host: string;
  port: number;
}

export type ProbeTargetConfig = DomainTarget | AddressTarget;

export interface ProbesConfig {
  /** node-cron expression (five or six fields). */
  schedule: string;
  timeoutMs: number;
  /** Deadline of each phase of a probe; the whole-probe timeout applies when absent. */
  phaseTimeoutMs?: number;
  concurrency: number;
  /** Scheduled probes start after a random delay of up to this long. */
  jitterMs: number;
  /** Name sent with EHLO; the host name when absent. */
  ehloName?: string;
  profiles: Record<string, TlsProfile>;
  targets: ProbeTargetConfig[];
}

export const PROBES_DEFAULT: ProbesConfig = {
  schedule: '*/5 * * * *',
  timeoutMs: 15_000,
  concurrency: 16,
  jitterMs: 5_000,
  profiles: { default: DEFAULT_PROFILE },
  targets: [],
};

const TOP_KEYS = ['schedule', 'timeout', 'phase_timeout', 'concurrency', 'jitter', 'ehlo_name', 'profiles', 'targets'];
const PROFILE_KEYS = ['ciphers', 'min_version', 'max_version'];
const TARGET_KEYS = ['name', 'domain', 'address', 'port', 'mx_limit', 'servername', 'verify', 'ca_file', 'profile', 'enumerate'];
const MAX_CONCURRENCY = 1024;
const MAX_MX_LIMIT = 20;

type Mapping = Record<string, unknown>;

const isMapping = (v: unknown): v is Mapping => v !== null && typeof v === 'object' && !Array.isArray(v);
const quote = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** Validates the raw `probes` value; every problem names its key path. */
export function parseProbesConfig(raw: unknown): { config: ProbesConfig; problems: string[] } {
  const problems: string[] = [];
  const config: ProbesConfig = { ...PROBES_DEFAULT, profiles: { ...PROBES_DEFAULT.profiles }, targets: [] };
  if (raw === undefined || raw === null) return { config, problems };
  if (!isMapping(raw)) return { config, problems: ['probes: must be a mapping'] };

  const unknownKeys = (obj: Mapping, allowed: string[], path: string): void => {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) problems.push(`${path}.${key}: unknown key (allowed: ${allowed.join(', ')})`);
    }
  };
  const duration = (value: unknown, path: string, allowZero = false): number | undefined => {
    const ms = parseDuration(value);
    if (ms === null || (!allowZero && ms <= 0)) {
      problems.push(`${path}: invalid duration ${quote(value)} (e.g. 500ms, 15s, 2m)`);
      return undefined;
    }
    return ms;
  };
  const text = (value: unknown, path: string): string | undefined => {
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    problems.push(`${path}: must be a non-empty string`);
    return undefined;
  };
  const bool = (value: unknown, path: string): boolean => {
    if (typeof value === 'boolean') return value;
    problems.push(`${path}: must be true or false`);
    return false;
  };
  const integer = (value: unknown, path: string, min: number, max: number): number | undefined => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    problems.push(`${path}: must be an integer from ${min} to ${max}`);
    return undefined;
  };

  unknownKeys(raw, TOP_KEYS, 'probes');
  if (raw.schedule !== undefined) {
    if (typeof raw.schedule === 'string' && isValidCron(raw.schedule)) config.schedule = raw.schedule;
    else problems.push(`probes.schedule: invalid cron expression ${quote(raw.schedule)}`);
  }
  if (raw.timeout !== undefined) config.timeoutMs = duration(raw.timeout, 'probes.timeout') ?? config.timeoutMs;
  if (raw.phase_timeout !== undefined) {
    const ms = duration(raw.phase_timeout, 'probes.phase_timeout');
    if (ms !== undefined) config.phaseTimeoutMs = ms;
  }
  if (raw.jitter !== undefined) config.jitterMs = duration(raw.jitter, 'probes.jitter', true) ?? config.jitterMs;
  if (raw.concurrency !== undefined) config.concurrency = integer(raw.concurrency, 'probes.concurrency', 1, MAX_CONCURRENCY) ?? config.concurrency;
  if (raw.ehlo_name !== undefined) {
    const name = text(raw.ehlo_name, 'probes.ehlo_name');
    if (name !== undefined && !isHostName(name) && !/^\[[0-9A-Fa-f:.]+\]$/.test(name)) {
      problems.push(`probes.ehlo_name: ${quote(name)} is not a host name or address literal`);
    } else if (name !== undefined) config.ehloName = name;
  }

  if (raw.profiles !== undefined) {
    if (!isMapping(raw.profiles)) problems.push('probes.profiles: must be a mapping of profile names to {ciphers, min_version, max_version}');
    else {
      for (const [name, value] of Object.entries(raw.profiles)) {
        const path = `probes.profiles.${name}`;
        if (!isMapping(value)) {
          problems.push(`${path}: must be a mapping (allowed keys: ${PROFILE_KEYS.join(', ')})`);
          continue;
        }
        unknownKeys(value, PROFILE_KEYS, path);
        const profile: TlsProfile = { ...DEFAULT_PROFILE };
        if (value.ciphers !== undefined) {
          const ciphers = text(value.ciphers, `${path}.ciphers`);
          const problem = ciphers === undefined ? null : cipherListProblem(ciphers);
          if (problem) problems.push(`${path}.ciphers: ${quote(ciphers)} is refused by OpenSSL: ${problem}`);
          else if (ciphers !== undefined) profile.ciphers = ciphers;
        }
        for (const key of ['min_version', 'max_version'] as const) {
          const v = value[key];
          if (v === undefined) continue;
          if (!isTlsProtocol(v)) problems.push(`${path}.${key}: ${quote(v)} is not a protocol version (allowed: ${TLS_PROTOCOLS.join(', ')})`);
          else if (key === 'min_version') profile.minVersion = v;
          else profile.maxVersion = v;
        }
        if (!versionRangeValid(profile.minVersion, profile.maxVersion)) {
          problems.push(`${path}: min_version ${profile.minVersion} is above max_version ${profile.maxVersion}`);
        }
        config.profiles[name] = profile;
      }
    }
  }

  if (raw.targets !== undefined) {
    if (!Array.isArray(raw.targets)) problems.push('probes.targets: must be a list');
    else {
      const seen = new Set<string>();
      raw.targets.forEach((value: unknown, i) => {
        const path = `probes.targets[${i}]`;
        if (!isMapping(value)) {
          problems.push(`${path}: must be a mapping (allowed keys: ${TARGET_KEYS.join(', ')})`);
          return;
        }
        const before = problems.length;
        unknownKeys(value, TARGET_KEYS, path);
        const name = text(value.name, `${path}.name`);
        if (name !== undefined) {
          if (seen.has(name)) problems.push(`${path}.name: duplicate name ${quote(name)}`);
          seen.add(name);
        }
        const base: TargetBase = { name: name ?? '', verify: false, profile: 'default', enumerate: false };
        if (value.servername !== undefined) {
          const sn = text(value.servername, `${path}.servername`);
          if (sn !== undefined && !isHostName(sn)) problems.push(`${path}.servername: ${quote(sn)} is not a host name`);
          else base.servername = sn;
        }
        if (value.verify !== undefined) base.verify = bool(value.verify, `${path}.verify`);
        if (value.ca_file !== undefined) base.caFile = text(value.ca_file, `${path}.ca_file`);
        if (value.enumerate !== undefined) base.enumerate = bool(value.enumerate, `${path}.enumerate`);
        if (value.profile !== undefined) {
          const profile = text(value.profile, `${path}.profile`);
          if (profile !== undefined && !(profile in config.profiles)) {
            problems.push(`${path}.profile: unknown profile ${quote(profile)} (allowed: ${Object.keys(config.profiles).join(', ')})`);
          } else if (profile !== undefined) base.profile = profile;
        }

        const hasDomain = value.domain !== undefined;
        const hasAddress = value.address !== undefined;
        let target: ProbeTargetConfig | undefined;
        if (hasDomain === hasAddress) {
          problems.push(`${path}: set exactly one of domain (probe its MX hosts) or address (HOST[:PORT])`);
        } else if (hasDomain) {
          const domain = text(value.domain, `${path}.domain`);
          if (domain !== undefined && !isHostName(domain)) problems.push(`${path}.domain: ${quote(domain)} is not a domain name`);
          const port = value.port === undefined ? SMTP_PORT : integer(value.port, `${path}.port`, 1, 65535);
          const mxLimit = value.mx_limit === undefined ? DEFAULT_MX_LIMIT : integer(value.mx_limit, `${path}.mx_limit`, 1, MAX_MX_LIMIT);
          if (domain !== undefined && port !== undefined && mxLimit !== undefined) {
            target = { ...base, kind: 'domain', domain: domain.toLowerCase().replace(/\.$/, ''), port, mxLimit };
          }
        } else {
          if (value.port !== undefined) problems.push(`${path}.port: give the port in address (HOST:PORT)`);
          if (value.mx_limit !== undefined) problems.push(`${path}.mx_limit: only applies to domain targets`);
          const address = text(value.address, `${path}.address`);
          const parsed = address === undefined ? undefined : parseHostPort(address);
          if (typeof parsed === 'string') problems.push(`${path}.address: ${parsed}`);
          else if (parsed) target = { ...base, kind: 'address', host: parsed.host, port: parsed.port };
        }
        if (target && problems.length === before) config.targets.push(target);
      });
    }
  }
  return { config, problems };
}
