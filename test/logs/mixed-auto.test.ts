/**
 * One log file written by several MTAs at once, read with `format: auto`: each line must reach the
 * parser of the program that wrote it, and the outcomes must be those of the files read one by one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSyslogLine } from '../../src/logs/parsers/syslog.js';
import type { Outcome } from '../../src/logs/parsers/types.js';
import { CORPUS, CORPUS_NOW, FIXTURES, linesOf, manifest, replayFile, replayLines } from '../helpers/corpus.js';
import type { ManifestEntry } from '../helpers/corpus.js';

const CERT_REASONS = new Set(['cert_untrusted', 'cert_expired', 'cert_hostname_mismatch', 'cert_verify_failed']);

function filesIn(dir: string, suffix: string, exclude?: string): string[] {
  return readdirSync(join(CORPUS, dir))
    .filter((f) => f.endsWith(suffix) && (exclude === undefined || !f.endsWith(exclude)))
    .map((f) => `${dir}/${f}`);
}

/** The syslog-format scenario files of each recorded MTA. */
const SYSLOG_FILES: string[][] = [
  filesIn('postfix', '.log'),
  filesIn('exim', '.syslog.log'),
  filesIn('sendmail', '.log'),
  filesIn('opensmtpd', '.log'),
];

function read(rel: string): string[] {
  return linesOf(readFileSync(join(CORPUS, rel), 'utf8'));
}

/**
 * One MTA's files one after the other, in the order they were recorded (by their first line), so
 * that a process that served several scenarios sees them in sequence as it did on the machine.
 */
function mtaStream(files: string[], timeOf: (line: string) => number): string[] {
  return [...files]
    .map((f) => ({ f, lines: read(f) }))
    .sort((a, b) => timeOf(a.lines[0]!) - timeOf(b.lines[0]!) || a.f.localeCompare(b.f))
    .flatMap((x) => x.lines);
}

/** Round-robin, one line from each stream in turn, each stream keeping its order. */
function interleave(streams: string[][]): string[] {
  const out: string[] = [];
  const longest = Math.max(...streams.map((s) => s.length));
  for (let i = 0; i < longest; i++) {
    for (const s of streams) if (i < s.length) out.push(s[i]!);
  }
  return out;
}

const syslogTime = (line: string): number => parseSyslogLine(line, CORPUS_NOW)?.time ?? 0;

function key(o: Outcome): string {
  const reason = o.kind === 'failure' ? o.reason : '';
  return [o.mta, o.direction, o.kind, reason, o.protocol ?? '', o.cipher ?? '', o.trust ?? ''].join('|');
}

function count(outcomes: Outcome[], keyOf: (o: Outcome) => string = key): Record<string, number> {
  const c: Record<string, number> = {};
  for (const o of outcomes) c[keyOf(o)] = (c[keyOf(o)] ?? 0) + 1;
  return c;
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** Certificate verdicts are one class in the manifest; the parsers may name the cause. */
function coarseKey(o: Outcome): string {
  if (o.kind === 'failure' && CERT_REASONS.has(o.reason)) return key({ ...o, reason: 'cert_verify_failed' });
  return key(o);
}

/** What the manifest expects from one file, in the key of `coarseKey`. */
function expectedKeys(e: ManifestEntry): string[] {
  const x = e.expected;
  if (x.outcome === 'none') return [];
  // The manifest spells Exim's cipher with the protocol in front of the part the exporter reports.
  const cipher = e.mta === 'exim' ? x.cipher?.replace(/^TLS1\.\d:/, '') : x.cipher;
  const kind = x.outcome === 'success' ? 'handshake' : 'failure';
  return [[e.mta, e.direction, kind, x.reason ?? '', x.protocol ?? '', cipher ?? '', x.trust ?? ''].join('|')];
}

test('the mixed stream holds every syslog scenario file of the four recorded MTAs', () => {
  for (const files of SYSLOG_FILES) assert.ok(files.length >= 25, String(files.length));
  const total = SYSLOG_FILES.flat().reduce((n, f) => n + read(f).length, 0);
  assert.is(interleave(SYSLOG_FILES.map((f) => mtaStream(f, syslogTime))).length, total);
});

test('format auto on the interleaved stream gives the sum of the per-file outcomes, which is the manifest', () => {
  const perFile: Record<string, number> = {};
  const perFileCoarse: Record<string, number> = {};
  const fromManifest: Record<string, number> = {};
  const entries = manifest();
  for (const file of SYSLOG_FILES.flat()) {
    const out = replayFile(join(CORPUS, file), 'auto');
    add(perFile, count(out));
    add(perFileCoarse, count(out, coarseKey));
    const e = entries.find((x) => x.file === file || (x.variant_files ?? []).includes(file));
    assert.ok(e, `manifest entry for ${file}`);
    for (const k of expectedKeys(e!)) fromManifest[k] = (fromManifest[k] ?? 0) + 1;
  }
  const mixed = replayLines(interleave(SYSLOG_FILES.map((f) => mtaStream(f, syslogTime))), 'auto');
  assert.equal(count(mixed), perFile);
  assert.equal(perFileCoarse, fromManifest);
  const mtas = new Set(mixed.map((o) => o.mta));
  assert.equal([...mtas].sort(), ['exim', 'opensmtpd', 'postfix', 'sendmail']);
});

test('Exim mainlog lines and Momentum records mixed with syslog lines of other MTAs', () => {
  const exim = filesIn('exim', '.log', '.syslog.log');
  const momentum = readdirSync(join(FIXTURES, 'momentum')).filter((f) => f.endsWith('.ec'));
  const eximTime = (line: string): number => Date.parse(line.slice(0, 19).replace(' ', 'T'));
  const streams = [
    mtaStream(exim, eximTime),
    mtaStream(filesIn('sendmail', '.log'), syslogTime),
    mtaStream(filesIn('opensmtpd', '.log'), syslogTime),
    momentum.flatMap((f) => linesOf(readFileSync(join(FIXTURES, 'momentum', f), 'utf8'))),
  ];
  const expected: Record<string, number> = {};
  for (const file of [...exim, ...filesIn('sendmail', '.log'), ...filesIn('opensmtpd', '.log')]) {
    add(expected, count(replayFile(join(CORPUS, file), 'auto')));
  }
  for (const f of momentum) add(expected, count(replayFile(join(FIXTURES, 'momentum', f), 'auto')));
  const mixed = replayLines(interleave(streams), 'auto');
  assert.equal(count(mixed), expected);
  assert.ok(mixed.some((o) => o.mta === 'exim') && mixed.some((o) => o.mta === 'momentum'));
  // The same Exim lines through syslog give the same outcomes as the mainlog.
  const viaSyslog: Record<string, number> = {};
  for (const file of filesIn('exim', '.syslog.log')) add(viaSyslog, count(replayFile(join(CORPUS, file), 'auto')));
  const viaMainlog: Record<string, number> = {};
  for (const file of exim) add(viaMainlog, count(replayFile(join(CORPUS, file), 'auto')));
  assert.equal(viaMainlog, viaSyslog);
});

test.run();
