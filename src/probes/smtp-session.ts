/** Line-oriented SMTP client I/O over a socket, with a deadline on each reply. */
import type { Duplex } from 'node:stream';
import { ReplyAssembler, SmtpProtocolError, type SmtpReply } from './smtp-reply.js';
import type { TranscriptLine } from './types.js';

const MAX_LINE = 4096;
const MAX_REPLY_LINES = 512;

export type SessionErrorKind = 'timeout' | 'closed' | 'protocol';

export class SessionError extends Error {
  readonly kind: SessionErrorKind;
  constructor(kind: SessionErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionError';
    this.kind = kind;
  }
}

export class SmtpSession {
  private buffer: Buffer = Buffer.alloc(0);
  private assembler = new ReplyAssembler();
  private lineCount = 0;
  /** The first of end/close (`closed`) or a socket error; the closed error is only built when read. */
  private ended: Error | 'closed' | null = null;
  private wake: (() => void) | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.wake?.();
  };
  private readonly onEnd = (): void => {
    this.ended ??= 'closed';
    this.wake?.();
  };
  private readonly onError = (err: Error): void => {
    this.ended ??= err;
    this.wake?.();
  };

  constructor(
    private readonly stream: Duplex,
    private readonly transcript: TranscriptLine[],
    private readonly encrypted = false,
  ) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  send(line: string): void {
    this.transcript.push(this.encrypted ? { from: 'client', text: line, tls: true } : { from: 'client', text: line });
    this.stream.write(`${line}\r\n`);
  }

  /** Resolves with the next complete reply; rejects with SessionError or the socket's error. */
  readReply(timeoutMs: number): Promise<SmtpReply> {
    return new Promise<SmtpReply>((resolve, reject) => {
      const finish = (err: Error | null, reply?: SmtpReply): void => {
        clearTimeout(timer);
        this.wake = null;
        if (err) reject(err);
        else resolve(reply as SmtpReply);
      };
      const timer = setTimeout(
        () => finish(new SessionError('timeout', `no complete reply within ${timeoutMs} ms`)),
        Math.max(0, timeoutMs),
      );
      const step = (): void => {
        try {
          const reply = this.drain();
          if (reply) return finish(null, reply);
        } catch (err) {
          return finish(err instanceof SmtpProtocolError ? new SessionError('protocol', err.message) : (err as Error));
        }
        if (this.ended) finish(this.ended === 'closed' ? new SessionError('closed', 'connection closed by peer') : this.ended);
      };
      this.wake = step;
      step();
    });
  }

  /** Bytes received after the last complete line (data a TLS client must never have seen). */
  leftover(): Buffer {
    return this.buffer;
  }

  /** Stops listening so that the socket can be handed to TLS. */
  detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    this.wake = null;
  }

  private drain(): SmtpReply | null {
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) {
        if (this.buffer.length > MAX_LINE) throw new SmtpProtocolError(`reply line longer than ${MAX_LINE} bytes`);
        return null;
      }
      const line = this.buffer.subarray(0, nl).toString('latin1').replace(/\r$/, '');
      this.buffer = this.buffer.subarray(nl + 1);
      this.transcript.push(this.encrypted ? { from: 'server', text: line, tls: true } : { from: 'server', text: line });
      if (++this.lineCount > MAX_REPLY_LINES) throw new SmtpProtocolError(`more than ${MAX_REPLY_LINES} reply lines`);
      const reply = this.assembler.push(line);
      if (reply) return reply;
    }
  }
}
