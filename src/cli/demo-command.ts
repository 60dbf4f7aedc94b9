/**
 * `smtp-tls-exporter demo` (`npm run demo`): the daemon on bundled real log lines, replayed into a
 * temporary file in a loop with fresh timestamps and renamed away every 20 s, so that every log metric
 * moves within seconds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../config/duration.js';
import { errorMessage } from '../errors.js';
import { DemoWriter } from '../demo/demo-writer.js';
import { runDaemonCommand, type DaemonCommandContext } from './daemon-command.js';
import { EXIT_OK, EXIT_USAGE, type CommandIo } from './io.js';

export const DEMO_USAGE = `Usage: smtp-tls-exporter demo [--listen HOST:PORT] [--rate LINES_PER_SECOND] [--rotate-every DURATION]

Runs the exporter on built-in demo data: real Postfix, Exim, Sendmail and OpenSMTPD lines replayed
into a temporary log file with fresh timestamps. Metrics: http://localhost:10465/metrics
`;

export const DEMO_DATA = new URL('../../demo/mail.log', import.meta.url);

export async function runDemoCommand(args: string[], io: CommandIo, ctx: DaemonCommandContext): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        listen: { type: 'string', default: '0.0.0.0:10465' },
        rate: { type: 'string', default: '40' },
        'rotate-every': { type: 'string', default: '20s' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.stderr(`smtp-tls-exporter demo: ${errorMessage(err)}\n\n${DEMO_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout(DEMO_USAGE);
    return EXIT_OK;
  }
  const rate = Number(values.rate);
  if (!(rate > 0)) {
    io.stderr(`smtp-tls-exporter demo: --rate must be a positive number\n`);
    return EXIT_USAGE;
  }
  const rotateEveryMs = parseDuration(values['rotate-every']);
  if (rotateEveryMs === null || rotateEveryMs < 1000) {
    io.stderr(`smtp-tls-exporter demo: --rotate-every must be a duration of at least 1s\n`);
    return EXIT_USAGE;
  }
  const dir = mkdtempSync(join(tmpdir(), 'smtp-tls-exporter-demo-'));
  const logPath = join(dir, 'mail.log');
  writeFileSync(logPath, '');
  const writer = new DemoWriter(readFileSync(DEMO_DATA, 'utf8'), logPath, { linesPerSecond: rate, rotateEveryMs });
  const port = values.listen!.split(':').pop();
  io.stderr(
    `\n  DEMO MODE: replaying bundled sample mail-log lines into ${logPath}\n` +
      `  (fresh timestamps, ${rate} lines/s, the file is renamed away every ${values['rotate-every']}).\n` +
      `  Metrics: http://localhost:${port}/metrics    Stop with Ctrl-C.\n\n`,
  );
  writer.start();
  try {
    return await runDaemonCommand(
      ['--log', logPath, '--state-dir', join(dir, 'state'), '--listen', values.listen!],
      { ...io, env: { ...io.env, SMTP_TLS_EXPORTER_CONFIG: undefined } },
      ctx,
    );
  } finally {
    writer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
