/**
 * The persisted reading positions and parser state. save() replaces the file atomically: the new
 * content is written to a temporary file in the same directory, flushed to disk, then renamed over
 * the old one, so a crash at any moment leaves either the previous or the new state.
 */
import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ExporterError, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';

export interface SavedState {
  version: 1;
  /** ISO 8601. */
  savedAt: string;
  sources: Record<string, unknown>;
  parsers: Record<string, unknown>;
}

export interface StateStore {
  /** The state file. */
  readonly path: string;
  /** The saved state; null when there is none or it cannot be used (logged). */
  load(): SavedState | null;
  /** Synchronous and atomic. Throws ExporterError('STATE_IO'). */
  save(state: SavedState): void;
}

export const STATE_FILE = 'state.json';
const TEMP_PREFIX = `${STATE_FILE}.tmp-`;

export function createStateStore(dir: string, logger: Logger = silentLogger): StateStore {
  const path = join(dir, STATE_FILE);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new ExporterError('STATE_IO', `state directory ${dir} is not writable: ${errorMessage(err)}`, { cause: err });
  }
  const instance = randomBytes(4).toString('hex');
  let seq = 0;

  const removeLeftovers = (): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      try {
        unlinkSync(join(dir, name));
      } catch {
        // another process may own it
      }
    }
  };

  const load = (): SavedState | null => {
    removeLeftovers();
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      logger.warn('cannot read the state file; starting without it', { path, error: errorMessage(err) });
      return null;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      logger.warn('state file is corrupt; starting without it', { path, error: errorMessage(err) });
      return null;
    }
    const problem = invalidState(data);
    if (problem) {
      logger.warn('state file is not usable; starting without it', { path, problem });
      return null;
    }
    return data as SavedState;
  };

  const save = (state: SavedState): void => {
    const data = Buffer.from(`${JSON.stringify(state)}\n`, 'utf8');
    const tmp = join(dir, `${TEMP_PREFIX}${instance}-${++seq}`);
    let fd: number | null = null;
    try {
      fd = openSync(tmp, 'w', 0o600);
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
      closeSync(fd);
      fd = null;
      renameSync(tmp, path);
    } catch (err) {
      if (fd !== null) {
        try {
          closeSync(fd);
        } catch {
          // already failing
        }
      }
      try {
        unlinkSync(tmp);
      } catch {
        // it may not exist
      }
      throw new ExporterError('STATE_IO', `cannot save state in ${dir}: ${errorMessage(err)}`, { cause: err });
    }
    syncDir(dir);
  };

  return { path, load, save };
}

/** Makes the rename durable; not every platform or filesystem allows fsync on a directory. */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function invalidState(data: unknown): string | null {
  const isRecord = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isRecord(data)) return 'not a JSON object';
  const s = data as Record<string, unknown>;
  if (s.version !== 1) return `unknown version ${JSON.stringify(s.version)}`;
  if (typeof s.savedAt !== 'string') return 'savedAt is missing';
  if (!isRecord(s.sources)) return 'sources is not an object';
  if (!isRecord(s.parsers)) return 'parsers is not an object';
  return null;
}
