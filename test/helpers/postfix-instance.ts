/**
 * A throw-away Postfix instance for integration tests.
 *
 * Everything lives in one temporary directory: its own configuration directory (`postfix -c DIR`),
 * queue directory, data directory and `maillog_file`. The system's /etc/postfix, /var/spool/postfix
 * and /var/lib/postfix are neither read for configuration nor written, and a Postfix already
 * running on the machine is not touched (separate queue directory, hence separate master.pid lock
 * and sockets). No alternate_config_directories entry is needed: `postfix -c` is accepted from
 * root without one, and Debian's package installed with "No configuration" has no default main.cf.
 *
 * The master runs in the foreground (`postfix -c DIR start-fg`) as a child of the test process,
 * so it can always be found and stopped. Requires root and the `postfix` package (Debian 12 ships
 * Postfix 3.7).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './daemon.js';

const PKI = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface PostfixInstanceOptions {
  /** main.cf parameters added to (or replacing) the defaults below. */
  extraMain?: Record<string, string>;
  /** Lines appended to master.cf. */
  extraMaster?: string[];
}

export interface PostfixInstance {
  /** Default STARTTLS listener on 127.0.0.1 (`smtpd_tls_security_level = may`). */
  port: number;
  /** Hardened listener on 127.0.0.1 (`syslog_name = postfix/strict`, TLS >= 1.2, no kRSA/SHA1/aNULL). */
  strictPort: number;
  /** The `maillog_file` Postfix writes (through postlogd). */
  maillog: string;
  /** The instance's config_directory (the `-c` argument). */
  configDir: string;
  /** The temporary directory that holds everything. */
  dir: string;
  /** Stops the instance and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

/** The `postfix` command, or null. Looks in PATH and in the usual sbin directories. */
export function findPostfix(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, 'postfix');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Whether a private Postfix instance can be started here, and if not, why. */
export function postfixAvailable(): { ok: boolean; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: `needs Linux (this is ${process.platform})` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { ok: false, why: `needs root to start Postfix (running as uid ${process.getuid?.() ?? 'unknown'})` };
  }
  const bin = findPostfix();
  if (!bin) return { ok: false, why: 'the postfix command is not installed (apt-get install postfix)' };
  return { ok: true, why: `root, ${bin}` };
}

function mainCf(dir: string, etc: string, extra: Record<string, string>): string {
  const params: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: join(dir, 'spool'),
    data_directory: join(dir, 'data'),
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: dir,
    myhostname: 'mx.corpus.test',
    mydomain: 'corpus.test',
    myorigin: '$myhostname',
    mydestination: '',
    alias_maps: '',
    alias_database: '',
    biff: 'no',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/8',
    relay_domains: 'corpus.test',
    smtpd_relay_restrictions: 'permit_mynetworks reject_unauth_destination',
    // Test mail is thrown away; nothing is ever delivered anywhere.
    transport_maps: 'inline:{ corpus.test=discard: }',
    default_transport: 'error:outbound mail is disabled in this instance',
    smtpd_tls_cert_file: join(etc, 'server.crt'),
    smtpd_tls_key_file: join(etc, 'server.key'),
    smtpd_tls_CAfile: join(etc, 'ca.crt'),
    smtpd_tls_security_level: 'may',
    smtpd_tls_loglevel: '1',
    smtpd_starttls_timeout: '15s',
    smtpd_tls_session_cache_database: '',
    smtp_tls_session_cache_database: '',
    maximal_queue_lifetime: '1h',
    bounce_queue_lifetime: '1h',
    ...extra,
  };
  return `${Object.entries(params)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;
}

function masterCf(port: number, strictPort: number, extra: string[]): string {
  // service  type  private unpriv chroot wakeup maxproc command
  const lines = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    `127.0.0.1:${strictPort} inet n - n - - smtpd`,
    '  -o syslog_name=postfix/strict',
    '  -o smtpd_tls_protocols=>=TLSv1.2',
    '  -o smtpd_tls_mandatory_protocols=>=TLSv1.2',
    '  -o smtpd_tls_exclude_ciphers=kRSA,SHA1,aNULL',
    'pickup    unix  n - n 60    1 pickup',
    'cleanup   unix  n - n -     0 cleanup',
    'qmgr      unix  n - n 300   1 qmgr',
    'tlsmgr    unix  - - n 1000? 1 tlsmgr',
    'rewrite   unix  - - n -     - trivial-rewrite',
    'bounce    unix  - - n -     0 bounce',
    'defer     unix  - - n -     0 bounce',
    'trace     unix  - - n -     0 bounce',
    'verify    unix  - - n -     1 verify',
    'flush     unix  n - n 1000? 0 flush',
    'proxymap  unix  - - n -     - proxymap',
    'smtp      unix  - - n -     - smtp',
    'relay     unix  - - n -     - smtp',
    'showq     unix  n - n -     - showq',
    'error     unix  - - n -     - error',
    'retry     unix  - - n -     - error',
    'discard   unix  - - n -     - discard',
    'anvil     unix  - - n -     1 anvil',
    'scache    unix  - - n -     1 scache',
    'postlog   unix-dgram n - n - 1 postlogd',
    ...extra,
  ];
  return `${lines.join('\n')}\n`;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** One SMTP connection that reads the banner and says QUIT: proves the listener answers. */
function greetAndQuit(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf = '';
    let sentQuit = false;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 5_000);
    s.on('error', () => done(false));
    s.on('close', () => done(false));
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (!sentQuit && /^220 .*\r\n/m.test(buf)) {
        sentQuit = true;
        buf = '';
        s.write('QUIT\r\n');
      } else if (sentQuit && /^221 .*\r\n/m.test(buf)) {
        done(true);
      }
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    // A zombie still answers kill(pid, 0); it is dead for our purposes.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function countMatches(text: string, re: RegExp): number {
  return text.split('\n').filter((l) => re.test(l)).length;
}

export async function startPostfixInstance(opts: PostfixInstanceOptions = {}): Promise<PostfixInstance> {
  const bin = findPostfix();
  if (!bin) throw new Error('the postfix command is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'postfix-instance-'));
  // The queue directory and its parents must be root-owned and not group/other writable;
  // Postfix daemons (user postfix) need to traverse them.
  chmodSync(dir, 0o755);
  const etc = join(dir, 'etc');
  const maillog = join(dir, 'maillog');
  mkdirSync(etc, { mode: 0o755 });
  mkdirSync(join(dir, 'spool'), { mode: 0o755 });
  for (const f of ['server.crt', 'server.key', 'ca.crt']) copyFileSync(join(PKI, f), join(etc, f));
  chmodSync(join(etc, 'server.key'), 0o600);

  const port = await freePort();
  let strictPort = await freePort();
  while (strictPort === port) strictPort = await freePort();
  writeFileSync(join(etc, 'main.cf'), mainCf(dir, etc, opts.extraMain ?? {}));
  writeFileSync(join(etc, 'master.cf'), masterCf(port, strictPort, opts.extraMaster ?? []));
  writeFileSync(maillog, '', { mode: 0o644 });

  // `start-fg` runs postfix-script, which runs `master -s` in the foreground (the master still
  // becomes a session leader, so `postfix stop` can fall back to killing its process group).
  let output = '';
  const proc: ChildProcess = spawn(bin, ['-c', etc, 'start-fg'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  proc.once('error', (err) => (output += `\n${String(err)}`));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const pidFile = join(dir, 'spool', 'pid', 'master.pid');
    const masterPid = Number(readText(pidFile).trim()) || 0;
    if (proc.exitCode === null && proc.signalCode === null) {
      // Waits up to 5 s for the master to go, then kills its process group itself.
      spawnSync(bin, ['-c', etc, 'stop'], { stdio: 'ignore', timeout: 15_000 });
      const deadline = Date.now() + 10_000;
      while (proc.exitCode === null && proc.signalCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // Leftovers, by the process ids this instance created.
    if (masterPid > 0 && isAlive(masterPid)) {
      try {
        process.kill(-masterPid, 'SIGKILL');
      } catch {
        try {
          process.kill(masterPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const describe = () => `postfix output: ${output.trim() || '(none)'}; maillog:\n${readText(maillog)}`;
    await waitFor(
      'the Postfix master to start',
      () => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`postfix start-fg exited (${proc.exitCode ?? proc.signalCode}); ${describe()}`);
        }
        return /postfix\/master\[\d+\]: daemon started/.test(readText(maillog)) || undefined;
      },
      START_TIMEOUT_MS,
    );
    for (const p of [port, strictPort]) {
      await waitFor(`Postfix smtpd on 127.0.0.1:${p}`, () => greetAndQuit(p).then((ok) => ok || undefined), START_TIMEOUT_MS);
    }
    // Each probe ends with a `disconnect from` line; once both are there the log is quiet again.
    await waitFor(
      'the start-up probes to be logged',
      () => countMatches(readText(maillog), /smtpd\[\d+\]: disconnect from /) >= 2 || undefined,
      START_TIMEOUT_MS,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  if (!existsSync(maillog)) throw new Error(`${maillog} vanished`);
  return { port, strictPort, maillog, configDir: etc, dir, stop };
}
