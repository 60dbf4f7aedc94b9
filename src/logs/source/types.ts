/** What a line source reports to whoever consumes its lines. */
import type { LineBatch } from './line-splitter.js';

/**
 * - `rename`: the file was moved away (logrotate `create`, rsyslog) and a new one took its place.
 * - `truncate`: the file was truncated in place (logrotate `copytruncate`).
 * - `recreate`: the file was deleted and a new one appeared at the path.
 */
export type RotationKind = 'rename' | 'truncate' | 'recreate';

export interface SourceHandlers {
  /** Complete lines, in file order, without their line terminator. */
  lines(batch: string[]): void;
  /**
   * Optional: the same lines as byte ranges of the chunk just read, for consumers that can skip lines
   * without decoding them. Sources that read files call this instead of lines() when it is present
   * (lines() still gets lines that are not part of a chunk, such as the last unterminated line of a
   * rotated file); the batch is only valid during the call.
   */
  lineRanges?(batch: LineBatch): void;
  /** Called when reading switches to the new file, after the last lines of the old one. */
  rotation(kind: RotationKind): void;
  /** Number of lines that were longer than the line limit and delivered cut to it. */
  oversized(count: number): void;
  warn(message: string, err?: unknown): void;
}

export interface SourceStatus {
  /** A file is open. */
  up: boolean;
  /** Bytes present in the file(s) but not read yet, summed over the old and new file during a rotation. */
  lagBytes: number;
}

export interface LineSource {
  readonly id: string;
  start(): Promise<void>;
  /** Delivers every complete line already read, then closes the files. */
  stop(): Promise<void>;
  /** JSON-serialisable; covers exactly the lines delivered so far. */
  position(): unknown;
  status(): SourceStatus;
}
