/** `smtp-tls-exporter [--config FILE] [--listen HOST:PORT] [--log PATH]... [--state-dir DIR]`: the daemon. */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startDaemon, type DaemonDeps } from '../app.js';
import { loadConfig, type Config } from '../config/load.js';
import { ConfigError, errorMessage } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CommandIo } from './io.js';

export const DAEMON_USAGE = `Usage: smtp-tls-exporter [options]
       smtp-tls-exporter report [--json] [--format FORMAT] [--top N] FILE...
       smtp-tls-exporter probe [options] HOST[:PORT]
       smtp-tls-exporter demo

Runs the exporter: follows mail logs and serves Prometheus metrics.

Options:
  --config FILE           YAML configuration file
  --listen HOST:PORT      HTTP listen address (default 0.0.0.0:10465)
  --log PATH              mail log to follow; repeat for several; "-" reads stdin
  --state-dir DIR         where read positions are kept (default /var/lib/smtp-tls-exporter)
  --log-level LEVEL       debug, info, warn or error (default info)
  --log-format FORMAT     text or json (default text)
  --web.config.file FILE  TLS and basic-auth settings (Prometheus exporter-toolkit format)
  --version               print the version and exit
  -h, --help              show this help

Every setting can also be set in the environment as SMTP_TLS_EXPORTER_<KEY> (e.g. SMTP_TLS_EXPORTER_LISTEN).
`;

export const DEFAULT_LOG_PATHS = ['/var/log/mail.log', '/var/log/maillog'];

export interface DaemonCommandContext {
  version: string;
  nodeVersion: string;
  /** Which default log paths exist (injected for tests). */
  exists?: (path: string) => boolean;
  /** Adds probes, web security and other routes to the daemon before it starts. */
  prepare?: (config: Config, logger: Logger) => Promise<Partial<DaemonDeps>>;
}

export async function runDaemonCommand(args: string[], io: CommandIo, ctx: DaemonCommandContext): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        log: { type: 'string', multiple: true },
        'state-dir': { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        'web.config.file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.stderr(`smtp-tls-exporter: ${errorMessage(err)}\n\n${DAEMON_USAGE}`);
    return EXIT_USAGE;
  }
  if (flags.help) {
    io.stdout(DAEMON_USAGE);
    return EXIT_OK;
  }
  const file = flags.config ?? io.env.SMTP_TLS_EXPORTER_CONFIG;
  let logs = flags.log;
  if (!file && !logs?.length && !io.env.SMTP_TLS_EXPORTER_LOGS) {
    const exists = ctx.exists ?? existsSync;
    const found = DEFAULT_LOG_PATHS.find((p) => exists(p));
    if (!found) {
      io.stderr(
        `smtp-tls-exporter: no mail log given and neither ${DEFAULT_LOG_PATHS.join(' nor ')} exists.\n` +
          'Point it at your log with --log /path/to/mail.log (or logs: in --config FILE),\n' +
          'or try it on built-in demo data with: smtp-tls-exporter demo (npm run demo)\n',
      );
      return EXIT_USAGE;
    }
    logs = [found];
  }
  let config: Config;
  try {
    config = loadConfig({
      file,
      env: io.env,
      overrides: {
        listen: flags.listen,
        logs,
        state_dir: flags['state-dir'],
        log_level: flags['log-level'],
        log_format: flags['log-format'],
        web_config_file: flags['web.config.file'],
      },
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`smtp-tls-exporter: invalid configuration:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, write: io.stderr });
  let daemon;
  try {
    const extra = (await ctx.prepare?.(config, logger)) ?? {};
    daemon = await startDaemon(config, { logger, version: ctx.version, nodeVersion: ctx.nodeVersion, stdin: io.stdin, ...extra });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`smtp-tls-exporter: invalid configuration:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
      return EXIT_USAGE;
    }
    logger.error('cannot start', { err: errorMessage(err) });
    return EXIT_FAILURE;
  }
  const why = await Promise.race([io.stopSignal, daemon.sourcesEnded.then(() => 'end of input')]);
  logger.info('stopping', { reason: why });
  await daemon.stop();
  return EXIT_OK;
}
