/**
 * A private Postfix instance on loopback ports, one smtpd service per scenario, configured with the
 * test PKI. Needs the postfix package and root (its master process starts as root).
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PKI } from './fake-smtp-server.js';

const run = promisify(execFile);
const POSTFIX = '/usr/sbin/postfix';
const MASTER_CF = '/etc/postfix/master.cf';

export interface PostfixService {
  /** Extra `-o name=value` settings of this smtpd service. */
  options?: Record<string, string>;
}

export interface PostfixInstance {
  /** Loopback port of each service, by scenario name. */
  ports: Record<string, number>;
  /** Postfix's own log of the instance. */
  log(): string;
  stop(): Promise<void>;
}

/** Why Postfix cannot be started here, or null when it can. */
export function postfixUnavailable(): string | null {
  if (!existsSync(POSTFIX) || !existsSync(MASTER_CF)) return 'postfix is not installed';
  if (userInfo().uid !== 0) return 'starting postfix needs root';
  return null;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function listening(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export async function startPostfix(services: Record<string, PostfixService>): Promise<PostfixInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'postfix-probe-'));
  chmodSync(dir, 0o755);
  const etc = join(dir, 'etc');
  const data = join(dir, 'data');
  for (const d of [etc, data, join(dir, 'queue')]) mkdirSync(d, { mode: 0o755 });
  const postfixUid = Number((await run('id', ['-u', 'postfix'])).stdout.trim());
  chownSync(data, postfixUid, 0);
  for (const name of ['server.crt', 'server.key', 'wrongname.crt', 'wrongname.key', 'expired.crt', 'expired.key']) {
    copyFileSync(join(PKI, name), join(etc, name));
    if (name.endsWith('.key')) chmodSync(join(etc, name), 0o600);
  }
  const log = join(dir, 'maillog');
  writeFileSync(
    join(etc, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${join(dir, 'queue')}`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = mx.corpus.test',
      'mydomain = corpus.test',
      'mydestination =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'smtpd_tls_security_level = may',
      `smtpd_tls_cert_file = ${join(etc, 'server.crt')}`,
      `smtpd_tls_key_file = ${join(etc, 'server.key')}`,
      'smtpd_tls_loglevel = 1',
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${log}`,
      '',
    ].join('\n'),
  );
  const ports: Record<string, number> = {};
  const lines: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    ports[name] = await freePort();
    const opts = Object.entries(service.options ?? {}).map(([k, v]) => ` -o ${k}=${v.replaceAll('$ETC', etc)}`);
    lines.push(`127.0.0.1:${ports[name]} inet n - n - - smtpd${opts.join('')}`);
  }
  const master = readFileSync(MASTER_CF, 'utf8').replace(/^smtp\s+inet\s.*$/m, lines.join('\n'));
  writeFileSync(join(etc, 'master.cf'), master);

  const stop = async (): Promise<void> => {
    await run(POSTFIX, ['-c', etc, 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(POSTFIX, ['-c', etc, 'start']);
    for (const port of Object.values(ports)) {
      if (!(await listening(port, 5000))) throw new Error(`postfix does not listen on ${port}`);
    }
  } catch (err) {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    await stop();
    throw new Error(`cannot start postfix: ${(err as Error).message}\n${text}`);
  }
  return { ports, log: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''), stop };
}
