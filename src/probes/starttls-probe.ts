/**
 * One active probe: TCP connect, 220 greeting, EHLO, STARTTLS, TLS handshake, QUIT. Network and
 * protocol faults become a result with a reason; the sockets are always destroyed.
 */
import net from 'node:net';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { certificateFacts } from './certificate.js';
import { enumerateProtocols, profileOverlaps } from './enumerate.js';
import { createHostLookup } from './resolver.js';
import { probeContexts } from './secure-context.js';
import { SessionError, SmtpSession } from './smtp-session.js';
import { ehloKeywords, isPositive, type SmtpReply } from './smtp-reply.js';
import { reasonForError, reasonForVerifyError, shortErrorMessage, type NetworkPhase } from './tls-errors.js';
import { DEFAULT_PROFILE, type ProbeOptions, type ProbePhase, type ProbeReason, type ProbeResult, type TlsProfile } from './types.js';

const QUIT_WAIT_MS = 1000;

class ProbeFailure extends Error {
  constructor(
    readonly reason: ProbeReason,
    message: string,
  ) {
    super(message);
  }
}

export function defaultEhloName(): string {
  const name = hostname();
  return name.includes('.') ? name : `${name || 'localhost'}.localdomain`;
}

const seconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

function networkPhase(phase: ProbePhase): NetworkPhase {
  if (phase === 'resolve' || phase === 'connect' || phase === 'handshake') return phase;
  return 'smtp';
}

function replyText(reply: SmtpReply): string {
  return reply.raw.join(' / ');
}

function emptyResult(options: ProbeOptions): ProbeResult {
  return {
    target: options.target,
    host: options.host,
    port: options.port,
    address: null,
    servername: options.servername ?? options.host,
    verify: options.verify,
    success: false,
    reason: null,
    error: null,
    failed_phase: null,
    starttls_offered: null,
    ehlo_extensions: [],
    protocol: null,
    cipher: null,
    cert: null,
    timings: {},
    transcript: [],
  };
}

/** A failed result for a probe that never reached a connection (e.g. an MX look-up failure). */
export function failedBeforeConnect(target: string, host: string, port: number, reason: ProbeReason, error: string): ProbeResult {
  const result = emptyResult({ target, host, port, verify: false, profile: DEFAULT_PROFILE, ehloName: '', timeoutMs: 0 });
  return { ...result, reason, error, failed_phase: 'resolve' };
}

/** One STARTTLS session with the given TLS profile. */
async function runSession(options: ProbeOptions, profile: TlsProfile, signal?: AbortSignal): Promise<ProbeResult> {
  const result = emptyResult(options);
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const remaining = (): number =>
    Math.max(0, Math.min(options.phaseTimeoutMs ?? Number.POSITIVE_INFINITY, deadline - performance.now()));
  const sockets: net.Socket[] = [];
  let phase: ProbePhase = 'resolve';

  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(new ProbeFailure('other', 'probe aborted'));
      for (const s of sockets) s.destroy();
    };
  });
  aborted.catch(() => {});
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });

  const step = async <T>(name: ProbePhase, run: (ms: number) => Promise<T>): Promise<T> => {
    phase = name;
    const t0 = performance.now();
    const ms = Math.floor(remaining());
    const work = run(ms);
    work.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const reason = name === 'connect' ? 'connect_timeout' : 'timeout';
        reject(new ProbeFailure(reason, `${name} did not complete within ${ms} ms`));
        for (const s of sockets) s.destroy();
      }, ms);
    });
    timeout.catch(() => {});
    try {
      return await Promise.race([work, timeout, aborted]);
    } finally {
      clearTimeout(timer);
      result.timings[name] = seconds(performance.now() - t0);
    }
  };

  const quit = async (session: SmtpSession): Promise<void> => {
    try {
      session.send('QUIT');
      await session.readReply(Math.min(QUIT_WAIT_MS, remaining()));
    } catch {
      // The answer to QUIT does not change the result.
    }
  };

  try {
    const address = net.isIP(options.host)
      ? options.host
      : await step('resolve', async () => {
          const lookup = options.lookup ?? createHostLookup();
          const addresses = await lookup(options.host);
          if (addresses.length === 0 || !addresses[0]) throw new ProbeFailure('dns_error', `${options.host} has no address`);
          return addresses[0];
        });

    const plain = await step(
      'connect',
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect({ host: address, port: options.port, noDelay: true });
          sockets.push(socket);
          socket.on('error', () => {});
          socket.once('error', reject);
          socket.once('connect', () => {
            socket.off('error', reject);
            resolve(socket);
          });
        }),
    );
    result.address = plain.remoteAddress ?? address;

    const session = new SmtpSession(plain, result.transcript);
    const greeting = await step('greeting', (ms) => session.readReply(ms));
    if (!isPositive(greeting)) {
      await quit(session);
      throw new ProbeFailure('smtp_error', `greeting: ${replyText(greeting)}`);
    }

    session.send(`EHLO ${options.ehloName}`);
    const ehlo = await step('ehlo', (ms) => session.readReply(ms));
    if (!isPositive(ehlo)) {
      await quit(session);
      throw new ProbeFailure('smtp_error', `EHLO: ${replyText(ehlo)}`);
    }
    const keywords = ehloKeywords(ehlo);
    result.ehlo_extensions = keywords.map((k) => [k.keyword, ...k.params].join(' '));
    result.starttls_offered = keywords.some((k) => k.keyword === 'STARTTLS');
    if (!result.starttls_offered) {
      await quit(session);
      throw new ProbeFailure('starttls_not_offered', 'STARTTLS is not among the EHLO extensions');
    }

    session.send('STARTTLS');
    const ready = await step('starttls', (ms) => session.readReply(ms));
    if (ready.code !== 220) {
      await quit(session);
      throw new ProbeFailure('starttls_rejected', `STARTTLS: ${replyText(ready)}`);
    }
    phase = 'handshake';
    if (session.leftover().length > 0) {
      throw new ProbeFailure('non_tls_data', `${session.leftover().length} bytes of plaintext followed the 220 reply to STARTTLS`);
    }
    session.detach();

    const checkedName = options.servername ?? options.host;
    let presented: tls.DetailedPeerCertificate | undefined;
    const secure = await step(
      'handshake',
      () =>
        new Promise<tls.TLSSocket>((resolve, reject) => {
          const socket = tls.connect({
            socket: plain,
            servername: net.isIP(checkedName) ? undefined : checkedName,
            rejectUnauthorized: false,
            // The name is checked separately, so that `authorized` speaks of the chain alone. Node calls
            // this only after a chain verified, with the chain it has just read: certificateFacts reuses it.
            checkServerIdentity: (_name, cert) => {
              presented = cert as tls.DetailedPeerCertificate;
              return undefined;
            },
            secureContext: probeContexts.get(profile, options.ca),
          });
          sockets.push(socket);
          const onClose = (): void => reject(new ProbeFailure('lost_connection', 'connection closed during the TLS handshake'));
          socket.on('error', () => {});
          socket.once('error', reject);
          socket.once('close', onClose);
          socket.once('secureConnect', () => {
            socket.off('close', onClose);
            resolve(socket);
          });
        }),
    );
    result.protocol = secure.getProtocol();
    result.cipher = secure.getCipher()?.name ?? null;
    result.cert = certificateFacts(secure, checkedName, presented);
    result.timings.total = seconds(performance.now() - started);

    let failure: ProbeFailure | null = null;
    if (options.verify) {
      const cert = result.cert;
      if (!cert) failure = new ProbeFailure('cert_untrusted', 'the server sent no certificate');
      else if (!cert.verified) failure = new ProbeFailure(reasonForVerifyError(cert.verify_error ?? ''), `certificate not verified: ${cert.verify_error}`);
      else if (!cert.hostname_match) failure = new ProbeFailure('cert_hostname_mismatch', `certificate does not name ${checkedName}`);
    }
    await quit(new SmtpSession(secure, result.transcript, true));
    if (failure) throw failure;
    result.success = true;
  } catch (err) {
    result.success = false;
    result.failed_phase = phase;
    if (err instanceof ProbeFailure) {
      result.reason = err.reason;
      result.error = err.message;
    } else if (err instanceof SessionError) {
      result.reason = err.kind === 'timeout' ? 'timeout' : err.kind === 'closed' ? 'lost_connection' : 'smtp_error';
      result.error = err.kind === 'closed' ? `connection closed during ${phase}` : err.message;
    } else {
      result.reason = reasonForError(err, networkPhase(phase));
      result.error = shortErrorMessage(err);
    }
    if (signal?.aborted) {
      result.reason = 'other';
      result.error = 'probe aborted';
    }
    result.timings.total ??= seconds(performance.now() - started);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const s of sockets) s.destroy();
  }
  return result;
}

/** Probes one host; never rejects for network or protocol faults. */
export async function probeStarttls(options: ProbeOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const result = await runSession(options, options.profile, signal);
  const reachedTls = result.protocol !== null || result.failed_phase === 'handshake';
  if (options.enumerate && reachedTls && !signal?.aborted) {
    result.protocols = await enumerateProtocols(
      (profile) => runSession({ ...options, verify: false, ca: undefined }, profile, signal),
      () => signal?.aborted === true,
    );
    if (result.reason === 'no_shared_cipher' && !profileOverlaps(options.profile, result.protocols)) {
      result.reason = 'protocol_version';
      result.error = `${result.error ?? 'handshake failure'} (the peer accepts no version between ${options.profile.minVersion} and ${options.profile.maxVersion ?? 'TLSv1.3'})`;
    }
  }
  return result;
}
