/** An in-memory CommandIo for running commands inside a test. */
import { Readable } from 'node:stream';
import type { CommandIo } from '../../src/cli/io.js';

export interface CapturedIo {
  io: CommandIo;
  stdout(): string;
  stderr(): string;
  /** Resolves the command's stop signal, as SIGTERM would. */
  stop(): void;
}

export function captureIo(options: { stdin?: string | Buffer; env?: Record<string, string | undefined> } = {}): CapturedIo {
  let out = '';
  let err = '';
  let stop!: (s: string) => void;
  const stopSignal = new Promise<string>((r) => (stop = r));
  const io: CommandIo = {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: options.env ?? {},
    cwd: process.cwd(),
    stopSignal,
  };
  return { io, stdout: () => out, stderr: () => err, stop: () => stop('SIGTERM') };
}
