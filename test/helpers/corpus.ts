/** Access to the real MTA log fixtures in test/fixtures/corpus and their manifest. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createDispatcher } from '../../src/logs/dispatcher.js';
import { DEFAULT_PARSER_OPTIONS, type Mta, type Outcome } from '../../src/logs/parsers/types.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const CORPUS = join(FIXTURES, 'corpus');

/** The day the corpus was recorded, so that year-less syslog timestamps land in 2026. */
export const CORPUS_NOW = Date.parse('2026-11-23T12:00:00Z');

export interface ManifestEntry {
  mta: Mta;
  version: string;
  scenario: string;
  /** Relative to the corpus folder, e.g. `postfix/in03_no_shared_cipher.log`. */
  file: string;
  direction: 'inbound' | 'outbound';
  expected: {
    outcome: 'success' | 'failure' | 'none';
    protocol?: string;
    cipher?: string;
    bits?: number;
    trust?: string;
    reason?: string;
    [k: string]: unknown;
  };
  variant_files?: string[];
  [k: string]: unknown;
}

export function manifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as ManifestEntry[];
}

/** Every `.log` file under `dir` (default: the whole corpus), in name order, folders walked in place. */
export function corpusLogFiles(dir: string = CORPUS): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...corpusLogFiles(full));
    else if (name.endsWith('.log')) out.push(full);
  }
  return out;
}

export function corpusPath(rel: string): string {
  return join(CORPUS, rel);
}

/** Splits file content into lines the way the followers do (no trailing empty line). */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Runs lines through a fresh dispatcher and returns every outcome, including those closed at the end. */
export function replayLines(lines: string[], format: 'auto' | Mta = 'auto'): Outcome[] {
  const d = createDispatcher(format, DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
  const out: Outcome[] = [];
  for (const l of lines) out.push(...d.push(l).outcomes);
  out.push(...d.drain());
  return out;
}

export function replayFile(path: string, format: 'auto' | Mta = 'auto'): Outcome[] {
  return replayLines(linesOf(readFileSync(path, 'utf8')), format);
}
