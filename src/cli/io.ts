/** What a command gets from the process, injected by main.ts so that commands can be tested in-process. */
import type { Readable } from 'node:stream';

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: Readable;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT); long-running commands await it. */
  stopSignal: Promise<string>;
}

/** Exit statuses shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
