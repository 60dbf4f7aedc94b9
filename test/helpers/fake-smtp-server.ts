/** Scripted SMTP servers on loopback for probe tests, built on the test PKI. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

export const PKI = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));
export const pki = (name: string): Buffer => readFileSync(join(PKI, name));

export type StarttlsBehaviour =
  /** 220 and a TLS handshake. */
  | 'tls'
  /** 454 TLS not available. */
  | 'reject'
  /** 220, then silence. */
  | 'hang'
  /** 220, then close. */
  | 'close'
  /** 220, then plaintext once the ClientHello arrives. */
  | 'garbage'
  /** 220 and plaintext in the same write. */
  | 'garbage-immediately';

export interface FakeTlsOptions {
  cert?: Buffer;
  key?: Buffer;
  ciphers?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
}

export interface FakeSmtpOptions {
  host?: string;
  /** Reply lines sent on connect. */
  greeting?: string[];
  /** Accept and never send the greeting. */
  hangBeforeGreeting?: boolean;
  /** Reply lines to EHLO. */
  ehlo?: string[];
  starttls?: StarttlsBehaviour;
  tls?: FakeTlsOptions;
  /** Delay before the greeting, in ms. */
  greetingDelayMs?: number;
}

export interface FakeSmtpServer {
  host: string;
  port: number;
  /** `host:port` ready for the probe CLI. */
  address: string;
  /** Connections accepted so far. */
  connections: number;
  /** Connections open right now. */
  open: number;
  /** Highest number of connections open at the same time. */
  maxOpen: number;
  /** TLS handshakes completed, and the protocol of each. */
  handshakes: string[];
  /** Lines received from clients (plaintext and inside TLS). */
  received: string[];
  close(): Promise<void>;
}

export const DEFAULT_GREETING = ['220 mx.corpus.test ESMTP ready'];
export const DEFAULT_EHLO = ['250-mx.corpus.test', '250-PIPELINING', '250-SIZE 10240000', '250-8BITMIME', '250-STARTTLS', '250 SMTPUTF8'];

function lineReader(stream: NodeJS.ReadableStream, onLine: (line: string) => void): () => void {
  let buf = '';
  const onData = (chunk: Buffer | string): void => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      onLine(line);
    }
  };
  stream.on('data', onData);
  return () => stream.off('data', onData);
}

export async function startFakeSmtpServer(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const context = tls.createSecureContext({
    cert: options.tls?.cert ?? pki('server.crt'),
    key: options.tls?.key ?? pki('server.key'),
    ciphers: options.tls?.ciphers,
    minVersion: options.tls?.minVersion ?? 'TLSv1',
    maxVersion: options.tls?.maxVersion,
  });
  const state: FakeSmtpServer = {
    host,
    port: 0,
    address: '',
    connections: 0,
    open: 0,
    maxOpen: 0,
    handshakes: [],
    received: [],
    close: async () => {},
  };

  const speak = (out: NodeJS.WritableStream, lines: string[]): void => {
    out.write(lines.map((l) => `${l}\r\n`).join(''));
  };

  const afterTls = (secure: tls.TLSSocket): void => {
    lineReader(secure, (line) => {
      state.received.push(line);
      const verb = line.split(' ')[0]?.toUpperCase();
      if (verb === 'QUIT') {
        secure.end('221 2.0.0 Bye\r\n');
      } else if (verb === 'EHLO') {
        speak(secure, (options.ehlo ?? DEFAULT_EHLO).filter((l) => !/STARTTLS/i.test(l)).map((l, i, all) => (i === all.length - 1 ? l.replace(/^(\d{3})-/, '$1 ') : l)));
      } else secure.write('250 2.0.0 Ok\r\n');
    });
  };

  const startTls = (socket: net.Socket): void => {
    const behaviour = options.starttls ?? 'tls';
    if (behaviour === 'reject') {
      socket.write('454 4.7.0 TLS not available due to local problem\r\n');
      return;
    }
    if (behaviour === 'garbage-immediately') {
      socket.write('220 2.0.0 Ready to start TLS\r\nthis is not TLS at all\r\n');
      return;
    }
    socket.write('220 2.0.0 Ready to start TLS\r\n');
    if (behaviour === 'hang') return;
    if (behaviour === 'close') {
      socket.end();
      return;
    }
    if (behaviour === 'garbage') {
      socket.once('data', () => socket.write('500 5.5.1 What is this binary thing?\r\n'));
      return;
    }
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
    secure.on('error', () => {});
    secure.once('secure', () => {
      state.handshakes.push(secure.getProtocol() ?? '?');
      afterTls(secure);
    });
  };

  const server = net.createServer((socket) => {
    state.connections += 1;
    state.open += 1;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      state.open -= 1;
      sockets.delete(socket);
    });
    if (options.hangBeforeGreeting) return;
    const begin = (): void => {
      speak(socket, options.greeting ?? DEFAULT_GREETING);
      const stop = lineReader(socket, (line) => {
        state.received.push(line);
        const verb = line.split(' ')[0]?.toUpperCase();
        if (verb === 'EHLO') speak(socket, options.ehlo ?? DEFAULT_EHLO);
        else if (verb === 'HELO') socket.write('250 mx.corpus.test\r\n');
        else if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
        else if (verb === 'STARTTLS') {
          if ((options.starttls ?? 'tls') !== 'reject') stop();
          startTls(socket);
        } else socket.write('502 5.5.2 Error: command not recognized\r\n');
      });
    };
    if (options.greetingDelayMs) setTimeout(begin, options.greetingDelayMs);
    else begin();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  state.port = (server.address() as net.AddressInfo).port;
  state.address = host.includes(':') ? `[${host}]:${state.port}` : `${host}:${state.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** A loopback port that was just released, so that connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Blackhole {
  port: number;
  close(): Promise<void>;
}

const BLOCKED_LISTENER = `
const net = require('node:net');
const fs = require('node:fs');
const server = net.createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  fs.writeSync(1, server.address().port + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
});
`;

/**
 * A loopback port whose SYNs go unanswered: a listener in a child process that never accepts,
 * with its accept queue filled, so that the kernel drops further connection attempts.
 */
export async function startBlackhole(): Promise<Blackhole> {
  const child: ChildProcess = spawn(process.execPath, ['-e', BLOCKED_LISTENER], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const connected = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      fillers.push(s);
      const t = setTimeout(() => resolve(false), 150);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
