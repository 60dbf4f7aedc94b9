#!/usr/bin/env node
/** The process boundary: argv, environment, standard streams, signals and exit codes live here only. */
import { readFileSync } from 'node:fs';
import { EXIT_FAILURE, type CommandIo } from './cli/io.js';
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
  // Commands are loaded when they run: `report` and `probe` start faster without the daemon's modules.
  const daemonContext = async () => ({
    version: pkg.version,
    nodeVersion: process.versions.node,
    prepare: (await import('./cli/prepare-daemon.js')).prepareDaemon,
  });
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
    case '-v':
      io.stdout(`smtp-tls-exporter ${pkg.version} (node ${process.versions.node})\n`);
      return 0;
    case 'help':
      io.stdout((await import('./cli/daemon-command.js')).DAEMON_USAGE);
      return 0;
    case 'report':
      return (await import('./cli/report-command.js')).runReportCommand(rest, io);
    case 'probe':
      return (await import('./cli/probe-command.js')).runProbeCommand(rest, io);
    case 'demo':
      return (await import('./cli/demo-command.js')).runDemoCommand(rest, io, await daemonContext());
    default:
      return (await import('./cli/daemon-command.js')).runDaemonCommand(argv, io, await daemonContext());
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
