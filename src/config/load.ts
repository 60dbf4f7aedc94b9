/** Loads and validates the configuration: defaults < YAML file < environment < command-line flags. */
import { readFileSync } from 'node:fs';
import convict from 'convict';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, errorMessage } from '../errors.js';
import type { LogFormat, LogLevel } from '../logger.js';
import { parseDuration } from './duration.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { parseLogSources, type LogSourceConfig } from './log-sources.js';
import { parseProbesConfig, type ProbesConfig } from './probes-config.js';
import { buildSchema } from './schema.js';

export interface Config {
  /** The file the settings came from, or null when none was given. */
  file: string | null;
  listen: ListenAddress;
  stateDir: string;
  logs: LogSourceConfig[];
  peers: { windowMs: number; top: number };
  logLevel: LogLevel;
  logFormat: LogFormat;
  webConfigFile: string | null;
  probes: ProbesConfig;
}

/** Values given as command-line flags; they win over the file and the environment. */
export interface ConfigOverrides {
  listen?: string;
  state_dir?: string;
  logs?: string[];
  log_level?: string;
  log_format?: string;
  web_config_file?: string;
}

export interface LoadOptions {
  file?: string;
  env: Record<string, string | undefined>;
  overrides?: ConfigOverrides;
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read the configuration file: ${errorMessage(err)}`], { cause: err });
  }
  try {
    const doc = parseYaml(text) as unknown;
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new ConfigError([`${file}: the top level must be a mapping of settings`]);
    }
    return doc;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ConfigError([`${file}: not valid YAML${where}: ${errorMessage(err).split('\n')[0]}`], { cause: err });
  }
}

/** Turns convict's messages into `SOURCE: key: problem` lines. */
function explain(message: string, source: string, schema: Record<string, unknown>): string[] {
  return message
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const undeclared = /^configuration param '([^']+)' not declared in the schema$/.exec(line);
      if (undeclared) {
        const key = undeclared[1]!;
        const parent = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '';
        const level = parent ? (schema[parent] as Record<string, unknown> | undefined) : schema;
        const allowed = level && typeof level === 'object' ? Object.keys(level).join(', ') : '';
        return `${source}: ${key}: unknown key${allowed ? ` (allowed${parent ? ` under ${parent}` : ''}: ${allowed})` : ''}`;
      }
      return `${source}: ${line}`;
    });
}

export function loadConfig(options: LoadOptions): Config {
  const schema = buildSchema();
  const source = options.file ?? 'configuration';
  const c = convict(schema, { env: options.env as NodeJS.ProcessEnv, args: [] });
  if (options.file) c.load(readYaml(options.file) as object);
  const o = options.overrides ?? {};
  if (o.listen !== undefined) c.set('listen', o.listen);
  if (o.state_dir !== undefined) c.set('state_dir', o.state_dir);
  if (o.logs !== undefined && o.logs.length > 0) c.set('logs', o.logs.map((path) => ({ path })));
  if (o.log_level !== undefined) c.set('log_level', o.log_level as never);
  if (o.log_format !== undefined) c.set('log_format', o.log_format as never);
  if (o.web_config_file !== undefined) c.set('web_config_file', o.web_config_file);
  const problems: string[] = [];
  try {
    c.validate({ allowed: 'strict' });
  } catch (err) {
    problems.push(...explain(errorMessage(err), source, schema));
  }
  const logs = parseLogSources(c.get('logs'));
  const probes = parseProbesConfig(c.get('probes'));
  problems.push(...[...logs.problems, ...probes.problems].map((p) => `${source}: ${p}`));
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    file: options.file ?? null,
    listen: parseListenAddress(c.get('listen'))!,
    stateDir: c.get('state_dir'),
    logs: logs.sources,
    peers: { windowMs: parseDuration(c.get('peers.window'))!, top: c.get('peers.top') },
    logLevel: c.get('log_level') as LogLevel,
    logFormat: c.get('log_format') as LogFormat,
    webConfigFile: c.get('web_config_file') || null,
    probes: probes.config,
  };
}
