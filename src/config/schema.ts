/** The configuration schema: every setting with its default, environment variable and allowed values. */
import convict from 'convict';
import { parse as parseYaml } from 'yaml';
import { LOG_LEVELS } from '../logger.js';
import { parseDuration } from './duration.js';
import { parseListenAddress } from './listen-address.js';

export const ENV_PREFIX = 'SMTP_TLS_EXPORTER_';
export const DEFAULT_PORT = 10465;

let formatsAdded = false;

function addFormats(): void {
  if (formatsAdded) return;
  formatsAdded = true;
  convict.addParser({ extension: ['yml', 'yaml', 'json'], parse: (text: string) => parseYaml(text) ?? {} });
  convict.addFormat({
    name: 'listen-address',
    validate(v: unknown) {
      if (typeof v !== 'string' || !parseListenAddress(v)) throw new Error('must be HOST:PORT, [IPv6]:PORT or :PORT');
    },
  });
  convict.addFormat({
    name: 'duration-text',
    validate(v: unknown) {
      const ms = parseDuration(v);
      if (ms === null || ms <= 0) throw new Error('must be a duration such as 30s, 15m, 1h');
    },
  });
  convict.addFormat({
    name: 'log-sources',
    // Checked by parseLogSources after convict, so that problems name `logs[i].key`.
    validate() {},
    coerce: (v: unknown) => v,
  });
  convict.addFormat({
    name: 'yaml-object',
    validate(v: unknown) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('must be a mapping');
    },
    coerce: (v: unknown) => (typeof v === 'string' ? parseYaml(v) : v),
  });
}

export function buildSchema() {
  addFormats();
  return {
    listen: {
      doc: 'HOST:PORT of the HTTP server (/metrics, /, /healthz, /probe).',
      format: 'listen-address',
      default: `0.0.0.0:${DEFAULT_PORT}`,
      env: `${ENV_PREFIX}LISTEN`,
    },
    state_dir: {
      doc: 'Directory where read positions and open-session state are persisted.',
      format: String,
      default: '/var/lib/smtp-tls-exporter',
      env: `${ENV_PREFIX}STATE_DIR`,
    },
    logs: {
      doc: 'Log sources: [{path, format, start_at}] or [{journal: {units, matches}}]; "-" reads stdin.',
      format: 'log-sources',
      default: [] as unknown[],
      env: `${ENV_PREFIX}LOGS`,
    },
    peers: {
      window: {
        doc: 'Window over which smtp_tls_peer_failures counts failures.',
        format: 'duration-text',
        default: '1h',
        env: `${ENV_PREFIX}PEERS_WINDOW`,
      },
      top: {
        doc: 'How many failing peers smtp_tls_peer_failures shows.',
        format: 'nat',
        default: 20,
        env: `${ENV_PREFIX}PEERS_TOP`,
      },
    },
    log_level: {
      doc: 'The exporter’s own log level.',
      format: [...LOG_LEVELS],
      default: 'info',
      env: `${ENV_PREFIX}LOG_LEVEL`,
    },
    log_format: {
      doc: 'The exporter’s own log format on stderr.',
      format: ['text', 'json'],
      default: 'text',
      env: `${ENV_PREFIX}LOG_FORMAT`,
    },
    web_config_file: {
      doc: 'Exporter-toolkit web configuration file (TLS, basic auth) for the HTTP server.',
      format: String,
      default: '',
      env: `${ENV_PREFIX}WEB_CONFIG_FILE`,
    },
    probes: {
      doc: 'Active STARTTLS probes: schedule, timeout, concurrency, profiles, targets.',
      format: 'yaml-object',
      default: {} as Record<string, unknown>,
      env: `${ENV_PREFIX}PROBES`,
    },
  };
}
