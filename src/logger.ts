/** The one structured logger: one line per event, text or JSON, written through an injected sink. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every event. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Receives one complete line including its newline. */
  write: (line: string) => void;
  now?: () => Date;
}

function textValue(v: unknown): string {
  const s = typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v);
  return /[\s"=]/.test(s ?? '') ? JSON.stringify(s) : String(s);
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const now = options.now ?? (() => new Date());
  const min = RANK[options.level];
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    const all = { ...bound, ...fields };
    const ts = now().toISOString();
    if (options.format === 'json') {
      const rec: LogFields = { ts, level, msg };
      for (const [k, v] of Object.entries(all)) rec[k] = v instanceof Error ? v.message : v;
      options.write(`${JSON.stringify(rec)}\n`);
      return;
    }
    const extra = Object.entries(all)
      .map(([k, v]) => ` ${k}=${textValue(v)}`)
      .join('');
    options.write(`${ts} ${level.padEnd(5)} ${msg.replace(/\r?\n/g, ' ')}${extra}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createLogger(options, { ...bound, ...f }),
  };
}

/** A logger that drops everything (tests, one-shot commands that print their own output). */
export const silentLogger: Logger = createLogger({ level: 'error', format: 'text', write: () => {} });
