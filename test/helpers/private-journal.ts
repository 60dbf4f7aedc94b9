/**
 * A journald of the test's own: `systemd-journald NAMESPACE` (systemd 245 and later) keeps its
 * sockets and files apart from the system journal, so the machine's journal is never written to and
 * a running system journald is not disturbed. It needs root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './daemon.js';

const JOURNALD = ['/lib/systemd/systemd-journald', '/usr/lib/systemd/systemd-journald'];

export interface PrivateJournal {
  namespace: string;
  /** Holds a `journalctl` that reads this namespace: put it first on PATH. */
  binDir: string;
  /** The namespace's syslog socket. */
  devLog: string;
  /** Writes `tag[pid]: message` to the journal through logger(1), as a syslog client does. */
  log(tag: string, pid: number, message: string): void;
  stop(): Promise<void>;
}

/** Why a private journal cannot run on this machine, or null when it can. */
export function privateJournalUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'systemd-journald needs root';
  if (!JOURNALD.some((p) => existsSync(p))) return 'no systemd-journald binary';
  if (spawnSync('journalctl', ['--version']).status !== 0) return 'no journalctl';
  if (spawnSync('logger', ['--version']).status !== 0) return 'no logger';
  if (!existsSync('/etc/machine-id')) return 'no /etc/machine-id';
  return null;
}

export async function startPrivateJournal(): Promise<PrivateJournal> {
  const namespace = `smtptlstest${process.pid}`;
  const runDir = `/run/systemd/journal.${namespace}`;
  const devLog = join(runDir, 'dev-log');
  const machineId = readFileSync('/etc/machine-id', 'utf8').trim();
  const journald = spawn(JOURNALD.find((p) => existsSync(p))!, [namespace], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  journald.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => journald.once('exit', () => resolve()));
  const binDir = mkdtempSync(join(tmpdir(), 'journalctl-'));
  const clean = (): void => {
    rmSync(binDir, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
    for (const base of ['/var/log/journal', '/run/log/journal']) rmSync(join(base, `${machineId}.${namespace}`), { recursive: true, force: true });
  };
  try {
    await waitFor(`journald's socket (${stderr})`, () => existsSync(devLog) || undefined, 10_000);
  } catch (err) {
    journald.kill('SIGKILL');
    await exited;
    clean();
    throw err;
  }
  const journalctl = spawnSync('sh', ['-c', 'command -v journalctl'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(binDir, 'journalctl'), `#!/bin/sh\nexec ${journalctl} --namespace=${namespace} "$@"\n`);
  chmodSync(join(binDir, 'journalctl'), 0o755);
  return {
    namespace,
    binDir,
    devLog,
    log(tag, pid, message) {
      const r = spawnSync('logger', [`--socket=${devLog}`, '--socket-errors=on', '-t', tag, `--id=${pid}`, '--', message], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`logger failed: ${r.stderr}`);
    },
    async stop() {
      if (journald.exitCode === null) journald.kill('SIGTERM');
      await exited;
      clean();
    },
  };
}
