/**
 * End to end with a real Postfix: a private Postfix instance (see helpers/postfix-instance.ts) logs
 * to its own maillog_file at smtpd_tls_loglevel = 1, a Node TLS client makes one successful STARTTLS
 * session and one that fails for lack of a shared cipher, and the exporter, following that file,
 * must count exactly those two handshakes.
 *
 * Needs root and the Debian `postfix` package; elsewhere the test is reported as skipped, with the
 * reason.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startExporter, waitFor, type RunningDaemon } from '../helpers/daemon.js';
import { sampleSum, sampleValue } from '../helpers/metrics-text.js';
import { postfixAvailable, startPostfixInstance, type PostfixInstance } from '../helpers/postfix-instance.js';

const WAIT_MS = 30_000;
const SESSION_MS = 20_000;
const CA = readFileSync(fileURLToPath(new URL('../fixtures/pki/ca.crt', import.meta.url)));

interface Reply {
  code: number;
  text: string;
}

/** Reads SMTP replies (multi-line aware) from a stream, one command at a time. */
class ReplyReader {
  private buf = '';
  private waiting: { resolve(r: Reply): void; reject(e: Error): void } | null = null;
  private failed: Error | null = null;
  private readonly onData = (d: Buffer) => {
    this.buf += d.toString('latin1');
    this.deliver();
  };
  private readonly onEnd = () => this.fail(new Error(`connection closed (unparsed: ${JSON.stringify(this.buf)})`));
  private readonly onError = (e: Error) => this.fail(e);

  constructor(private readonly stream: Socket | TLSSocket) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  next(): Promise<Reply> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  /** Stops reading (before the socket is handed to TLS). Nothing may be left unread. */
  detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    if (this.buf !== '') throw new Error(`unexpected data before the TLS handshake: ${JSON.stringify(this.buf)}`);
  }

  private deliver(): void {
    if (!this.waiting) return;
    const lines = this.buf.split('\r\n');
    for (let i = 0; i < lines.length - 1; i++) {
      const m = /^(\d{3})([ -])(.*)$/.exec(lines[i]!);
      if (!m) return this.fail(new Error(`bad SMTP reply line ${JSON.stringify(lines[i])}`));
      if (m[2] === ' ') {
        const text = lines.slice(0, i + 1).join('\n');
        this.buf = lines.slice(i + 1).join('\r\n');
        const w = this.waiting;
        this.waiting = null;
        w.resolve({ code: Number(m[1]), text });
        return;
      }
    }
  }

  private fail(e: Error): void {
    if (!this.failed) this.failed = e;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(this.failed);
  }
}

async function command(stream: Socket | TLSSocket, reader: ReplyReader, line: string | null, want: number): Promise<Reply> {
  if (line !== null) stream.write(`${line}\r\n`);
  const r = await reader.next();
  if (r.code !== want) throw new Error(`${line ?? 'greeting'}: expected ${want}, got ${JSON.stringify(r.text)}`);
  return r;
}

type SessionResult =
  | { ok: true; protocol: string; cipher: string; authorized: boolean }
  | { ok: false; error: Error };

/**
 * banner, EHLO, STARTTLS, TLS handshake, EHLO, QUIT. Resolves with what the client negotiated, or
 * with the handshake error. Anything wrong before the handshake rejects.
 */
async function starttlsSession(port: number, tlsOptions: ConnectionOptions): Promise<SessionResult> {
  const plain = netConnect({ host: '127.0.0.1', port });
  // Errors are reported through the reader or the TLS socket; this keeps a late one from going unhandled.
  plain.on('error', () => {});
  let secure: TLSSocket | null = null;
  const timer = setTimeout(() => {
    const e = new Error(`SMTP session to port ${port} took longer than ${SESSION_MS} ms`);
    secure?.destroy(e);
    plain.destroy(e);
  }, SESSION_MS);
  try {
    await new Promise<void>((resolve, reject) => {
      plain.once('connect', resolve);
      plain.once('error', reject);
    });
    const reader = new ReplyReader(plain);
    await command(plain, reader, null, 220);
    const ehlo = await command(plain, reader, 'EHLO client.corpus.test', 250);
    if (!/^250[ -]STARTTLS$/m.test(ehlo.text)) throw new Error(`STARTTLS not offered: ${ehlo.text}`);
    await command(plain, reader, 'STARTTLS', 220);
    reader.detach();

    const tlsSocket = tlsConnect({ socket: plain, servername: 'mx.corpus.test', ca: CA, ...tlsOptions });
    secure = tlsSocket;
    const handshake = await new Promise<Error | null>((resolve) => {
      tlsSocket.once('secureConnect', () => resolve(null));
      tlsSocket.once('error', (e) => resolve(e));
      tlsSocket.once('close', () => resolve(new Error('connection closed during the TLS handshake')));
    });
    if (handshake) {
      tlsSocket.destroy();
      return { ok: false, error: handshake };
    }
    const result: SessionResult = {
      ok: true,
      protocol: tlsSocket.getProtocol() ?? '',
      cipher: tlsSocket.getCipher().name,
      authorized: tlsSocket.authorized,
    };
    const tlsReader = new ReplyReader(tlsSocket);
    await command(tlsSocket, tlsReader, 'EHLO client.corpus.test', 250);
    await command(tlsSocket, tlsReader, 'QUIT', 221);
    tlsSocket.end();
    return result;
  } finally {
    clearTimeout(timer);
    if (secure) secure.destroy();
    plain.destroy();
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

const available = postfixAvailable();

if (!available.ok) {
  console.log(`SKIPPED integration/postfix: ${available.why}`);
  test.skip(`real Postfix STARTTLS sessions are counted by the exporter (skipped: ${available.why})`, () => {});
} else {
  test('real Postfix STARTTLS sessions are counted by the exporter', async () => {
    let pf: PostfixInstance | null = null;
    let exporter: RunningDaemon | null = null;
    const stateDir = mkdtempSync(join(tmpdir(), 'postfix-it-state-'));
    try {
      pf = await startPostfixInstance();
      const maillog = pf.maillog;
      // Postfix is quiet now (start-up lines and the readiness probes are written). The exporter
      // starts at the end of the file, so it reads exactly the lines that follow.
      const baseline = lines(readFileSync(maillog, 'utf8')).length;
      exporter = await startExporter(['--log', maillog, '--state-dir', stateDir]);
      const d = exporter;
      await waitFor('the exporter to open the maillog', async () => sampleValue(await d.metrics(), 'smtp_tls_log_up', { path: maillog }) === 1 || undefined, WAIT_MS);

      // (a) a successful STARTTLS session on the default listener: TLS 1.3, server certificate verified.
      const good = await starttlsSession(pf.port, {});
      if (!good.ok) throw new Error(`STARTTLS to the default listener failed: ${good.error.message}`);
      assert.is(good.protocol, 'TLSv1.3');
      assert.ok(good.authorized, 'the client verifies mx.corpus.test against the test CA');
      assert.match(good.cipher, /^TLS_/);

      // (b) TLS 1.2 with only AES128-SHA against the listener that excludes kRSA and SHA1.
      const bad = await starttlsSession(pf.strictPort, { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' });
      if (bad.ok) throw new Error(`the strict listener accepted ${bad.protocol} ${bad.cipher}`);
      assert.match(bad.error.message, /handshake failure/i);

      // The test set-up itself: Postfix logged both sessions as expected.
      const log = await waitFor(
        'both sessions in the maillog',
        () => {
          const text = readFileSync(maillog, 'utf8');
          const after = lines(text).slice(baseline);
          return after.filter((l) => /smtpd\[\d+\]: disconnect from /.test(l)).length >= 2 ? after : undefined;
        },
        WAIT_MS,
      );
      const established = log.filter((l) => / postfix\/smtpd\[\d+\]: Anonymous TLS connection established from /.test(l));
      assert.is(established.length, 1, log.join('\n'));
      const est = /established from (\S+\[127\.0\.0\.1\]): (\S+) with cipher (\S+) /.exec(established[0]!);
      assert.ok(est, established[0]);
      const peer = est![1]!;
      assert.is(est![2], good.protocol);
      assert.is(est![3], good.cipher);
      const acceptError = log.filter((l) => / postfix\/strict\/smtpd\[\d+\]: SSL_accept error from /.test(l));
      assert.is(acceptError.length, 1, log.join('\n'));
      assert.ok(acceptError[0]!.includes(`SSL_accept error from ${peer}:`), acceptError[0]);
      assert.ok(log.some((l) => / postfix\/strict\/smtpd\[\d+\]: warning: TLS library problem: .*no shared cipher/.test(l)), log.join('\n'));

      // The exporter: wait until it has read every line written since it started, then check exact counts.
      const expectedLines = log.length;
      const metrics = await waitFor(
        `the exporter to read ${expectedLines} lines`,
        async () => {
          const m = await d.metrics();
          const read = sampleValue(m, 'smtp_tls_log_lines_read_total', { path: maillog });
          const lag = sampleValue(m, 'smtp_tls_log_lag_bytes', { path: maillog });
          // smtp_tls_peer_failures is recomputed at most once a second: wait until it has caught up too.
          const peers = sampleSum(m, 'smtp_tls_peer_failures');
          return read === expectedLines && lag === 0 && peers > 0 ? m : undefined;
        },
        WAIT_MS,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}\n--- /metrics:\n${await d.metrics().catch(String)}\n--- exporter stderr:\n${d.stderr()}`);
      });

      const success = { mta: 'postfix', direction: 'inbound', protocol: good.protocol, cipher: good.cipher, trust: 'anonymous' };
      assert.is(sampleValue(metrics, 'smtp_tls_handshakes_total', success), 1, `handshakes ${JSON.stringify(success)}\n${metrics}`);
      assert.is(sampleSum(metrics, 'smtp_tls_handshakes_total'), 1, 'exactly one handshake counted in total');
      const failure = { mta: 'postfix', direction: 'inbound', reason: 'no_shared_cipher' };
      assert.is(sampleValue(metrics, 'smtp_tls_handshake_failures_total', failure), 1, `failures ${JSON.stringify(failure)}\n${metrics}`);
      assert.is(sampleSum(metrics, 'smtp_tls_handshake_failures_total'), 1, 'exactly one failure counted in total');
      const peerFailure = { direction: 'inbound', peer, reason: 'no_shared_cipher' };
      assert.is(sampleValue(metrics, 'smtp_tls_peer_failures', peerFailure), 1, `peer failures ${JSON.stringify(peerFailure)}\n${metrics}`);
      assert.is(sampleSum(metrics, 'smtp_tls_peer_failures'), 1, 'exactly one peer failure in total');
    } finally {
      try {
        if (exporter) await exporter.stop();
      } finally {
        if (pf) await pf.stop();
        rmSync(stateDir, { recursive: true, force: true });
      }
    }
  });
}

test.run();
