/** Validation of the `logs:` list: each entry follows a file (`path`, `-` for stdin) or the journal. */
import { parse as parseYaml } from 'yaml';
import { FORMAT_NAMES } from '../logs/parsers/registry.js';
import type { Mta } from '../logs/parsers/types.js';

export type StartAt = 'end' | 'beginning';

export interface FileLogSource {
  kind: 'file';
  path: string;
  format: 'auto' | Mta;
  start_at: StartAt;
}

export interface StdinLogSource {
  kind: 'stdin';
  format: 'auto' | Mta;
}

export interface JournalLogSource {
  kind: 'journal';
  units: string[];
  matches: string[];
  format: 'auto' | Mta;
  start_at: StartAt;
}

export type LogSourceConfig = FileLogSource | StdinLogSource | JournalLogSource;

const ITEM_KEYS = ['path', 'journal', 'format', 'start_at'];
const JOURNAL_KEYS = ['units', 'matches'];
const START_AT = ['end', 'beginning'];

function stringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);
}

function checkItem(item: unknown, key: string, problems: string[]): LogSourceConfig | null {
  if (typeof item === 'string') item = { path: item };
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    problems.push(`${key}: must be a mapping with \`path\` or \`journal\``);
    return null;
  }
  const o = item as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!ITEM_KEYS.includes(k)) problems.push(`${key}.${k}: unknown key (allowed: ${ITEM_KEYS.join(', ')})`);
  }
  const format = o.format ?? 'auto';
  if (typeof format !== 'string' || !FORMAT_NAMES.includes(format)) {
    problems.push(`${key}.format: must be one of ${FORMAT_NAMES.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const startAt = o.start_at ?? 'end';
  if (typeof startAt !== 'string' || !START_AT.includes(startAt)) {
    problems.push(`${key}.start_at: must be one of end, beginning, got ${JSON.stringify(startAt)}`);
  }
  const fmt = format as 'auto' | Mta;
  if ((o.path === undefined) === (o.journal === undefined)) {
    problems.push(`${key}: needs exactly one of \`path\` (a file, or "-" for stdin) and \`journal\``);
    return null;
  }
  if (o.path !== undefined) {
    if (typeof o.path !== 'string' || o.path.length === 0) {
      problems.push(`${key}.path: must be a non-empty string`);
      return null;
    }
    if (o.path === '-') return { kind: 'stdin', format: fmt };
    return { kind: 'file', path: o.path, format: fmt, start_at: startAt as StartAt };
  }
  const j = o.journal;
  if (j === null || j === true) return { kind: 'journal', units: [], matches: [], format: fmt, start_at: startAt as StartAt };
  if (typeof j !== 'object' || Array.isArray(j)) {
    problems.push(`${key}.journal: must be a mapping with \`units\` and/or \`matches\``);
    return null;
  }
  const jo = j as Record<string, unknown>;
  for (const k of Object.keys(jo)) {
    if (!JOURNAL_KEYS.includes(k)) problems.push(`${key}.journal.${k}: unknown key (allowed: ${JOURNAL_KEYS.join(', ')})`);
  }
  const units = jo.units ?? [];
  const matches = jo.matches ?? [];
  if (!stringList(units)) problems.push(`${key}.journal.units: must be a list of unit names`);
  if (!stringList(matches)) problems.push(`${key}.journal.matches: must be a list of FIELD=value matches`);
  else for (const m of matches) if (!/^[A-Z0-9_]+=/.test(m)) problems.push(`${key}.journal.matches: "${m}" is not FIELD=value`);
  return { kind: 'journal', units: units as string[], matches: matches as string[], format: fmt, start_at: startAt as StartAt };
}

/** Validates the raw `logs` value; every problem names its key. */
export function parseLogSources(raw: unknown): { sources: LogSourceConfig[]; problems: string[] } {
  const problems: string[] = [];
  if (typeof raw === 'string') {
    const text = raw.trim();
    raw = text.startsWith('[') || text.startsWith('-') ? parseYaml(text) : text.split(',').map((p) => p.trim()).filter(Boolean);
  }
  if (!Array.isArray(raw)) return { sources: [], problems: ['logs: must be a list of log sources'] };
  const sources: LogSourceConfig[] = [];
  raw.forEach((item, i) => {
    const s = checkItem(item, `logs[${i}]`, problems);
    if (s) sources.push(s);
  });
  const seen = new Set<string>();
  sources.forEach((s, i) => {
    const id = s.kind === 'file' ? s.path : s.kind;
    if (seen.has(id)) problems.push(`logs[${i}]: ${id === 'journal' ? 'the journal' : id} is listed twice`);
    seen.add(id);
  });
  return { sources, problems };
}
