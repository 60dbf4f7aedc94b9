#!/usr/bin/env node
/** The process boundary: argv, environment, standard streams, signals and exit codes live here only. */
import { readFileSync } from 'node:fs';
import { runDaemonCommand, DAEMON_USAGE } from './cli/daemon-command.js';
import { runDemoCommand } from './cli/demo-command.js';
import { EXIT_FAILURE, type CommandIo } from './cli/io.js';
import { prepareDaemon } from './cli/prepare-daemon.js';
import { runProbeCommand } from './cli/probe-command.js';
import { runReportCommand } from './cli/report-command.js';
import { errorMessage } from './errors.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function writer(stream: NodeJS.WriteStream): (text: string) => void {
  return (text) => {
    stream.write(text);
  };
}

async function main(argv: string[]): Promise<number> {
  const stopSignal = new Promise<string>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig));
  });
  const io: CommandIo = {
    stdout: writer(process.stdout),
    stderr: writer(process.stderr),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    stopSignal,
  };
  const ctx = { version: pkg.version, nodeVersion: process.versions.node, prepare: prepareDaemon };
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
    case '-v':
      io.stdout(`smtp-tls-exporter ${pkg.version} (node ${process.versions.node})\n`);
      return 0;
    case 'help':
      io.stdout(DAEMON_USAGE);
      return 0;
    case 'report':
      return runReportCommand(rest, io);
    case 'probe':
      return runProbeCommand(rest, io);
    case 'demo':
      return runDemoCommand(rest, io, ctx);
    default:
      return runDaemonCommand(argv, io, ctx);
  }
}

process.on('unhandledRejection', (err) => {
  process.stderr.write(`smtp-tls-exporter: unexpected error: ${errorMessage(err)}\n`);
  process.exit(EXIT_FAILURE);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Timers of libraries (cron, sockets) must not keep a finished command alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`smtp-tls-exporter: ${errorMessage(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
