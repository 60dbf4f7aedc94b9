/**
 * The byte path (scanSyslogHeader, Dispatcher.pushBytes) must give exactly what the string path
 * (parseSyslogLine, Dispatcher.push) gives, for every line: real corpus lines, and headers mutated
 * at random to hit every rule of the syslog expression.
 */
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDispatcher, type DispatchResult } from '../../src/logs/dispatcher.js';
import { newHeaderScan, parseSyslogLine, scanSyslogHeader } from '../../src/logs/parsers/syslog.js';
import { DEFAULT_PARSER_OPTIONS, type LogLine } from '../../src/logs/parsers/types.js';
import { CORPUS_NOW, corpusLogFiles, linesOf } from '../helpers/corpus.js';
import { rng } from '../helpers/rng.js';


const FILES = corpusLogFiles();

/** What the scanner reports, as a LogLine (null when it declines the line). */
function scanned(raw: string, now: number, knownHost = ''): LogLine | null {
  const buf = Buffer.from(raw, 'utf8');
  const scan = newHeaderScan();
  scan.knownHost = Buffer.from(knownHost, 'latin1');
  if (!scanSyslogHeader(buf, 0, buf.length, now, scan)) return null;
  return {
    time: scan.time,
    host: buf.toString('latin1', scan.hostStart, scan.hostEnd),
    program: buf.toString('latin1', scan.programStart, scan.programEnd),
    pid: buf.toString('latin1', scan.pidStart, scan.pidEnd),
    message: buf.toString('utf8', scan.messageStart, scan.messageEnd),
  };
}


const MONTH_NUMBERS: Record<string, string> = {
  Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12',
};
const FRACTIONS = ['', '.5', '.123', '.123456', '.012345678', '.0123456789'];
const ZONES = ['Z', '+00:00', '+01:00', '-05:00', '+0530', '-0930', '+14:00'];

/**
 * The line with its RFC 3164 timestamp written as rsyslog's RSYSLOG_FileFormat writes it (Debian 12
 * and later): `2026-11-23T03:11:31.123456+01:00`; `k` picks the fraction and the zone.
 */
function toRfc3339(line: string, k: number): string {
  return line.replace(/^(<\d{1,3}>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d) /, (all, pri: string | undefined, mon: string, day: string, hms: string) => {
    const month = MONTH_NUMBERS[mon];
    if (month === undefined) return all;
    const frac = FRACTIONS[k % FRACTIONS.length]!;
    const zone = ZONES[Math.floor(k / FRACTIONS.length) % ZONES.length]!;
    return `${pri ?? ''}2026-${month}-${day.padStart(2, '0')}T${hms}${frac}${zone} `;
  });
}

/** RFC 3339 headers that the byte path must take (a zone, every field in range). */
const TAKEN_RFC3339 =
  /^(?:<\d{1,3}>)?\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d) /;

const PIECES = [' ', '  ', '\t', '\r', '[', ']', ':', '<', '>', '0', '1', '9', '12', '123', 'é', '\u00a0', '\u3000', 'x', 'Nov', 'Feb', 'Foo', '-', 'T', '.'];

function mutate(line: string, r: () => number): string {
  const chars = [...line];
  const edits = 1 + Math.floor(r() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * Math.min(chars.length, 60));
    const what = r();
    if (what < 0.4) chars.splice(at, 1);
    else if (what < 0.8) chars.splice(at, 0, PIECES[Math.floor(r() * PIECES.length)]!);
    else chars[at] = PIECES[Math.floor(r() * PIECES.length)]!;
  }
  return chars.join('');
}

const SAMPLES = [
  'Nov 23 03:11:31 vm postfix/strict/smtpd[18572]: connect from localhost[127.0.0.1]',
  'Nov  3 03:11:31 vm postfix/smtpd[1]: x',
  'Nov 3 03:11:31 vm postfix/smtpd[1]: x',
  'Nov 03 03:11:31 mx postfix/smtpd[1]: x',
  '<22>Nov 23 03:11:31 vm sm-mta[1234]: STARTTLS=server',
  '<150>2026-11-23T03:11:31Z vm smtpd[5]: 4050fc0e44c7054d smtp connected',
  '2026-11-23T03:11:31.123456+00:00 vm postfix/smtpd[18529]: disconnect from unknown[::1] ehlo=2',
  '2026-11-23T03:11:31.123456+01:00 vm postfix/smtpd[18529]: connect from unknown[::1]',
  '2026-11-23T03:11:31.9999999-05:00 vm postfix/smtp[1]: x',
  '2026-11-23T03:11:31.999999999-05:00 vm postfix/smtp[1]: nine digits',
  '2026-11-23T03:11:31.0123456789-05:00 vm postfix/smtp[1]: ten digits',
  '2026-11-23T03:11:31.5+0530 vm postfix/smtp[1]: x',
  '2026-11-23T03:11:31.05Z vm postfix/smtp[1]: x',
  '2026-11-23T03:11:31. vm postfix/smtp[1]: no fraction digits',
  '2026-11-23T03:11:31 vm postfix/smtp[1]: no zone (local time)',
  '2026-11-23T03:11:31.123 vm postfix/smtp[1]: no zone (local time)',
  '2026-11-23T03:11:31+01 vm postfix/smtp[1]: short zone',
  '2026-11-23T03:11:31+01:0 vm postfix/smtp[1]: short zone',
  '2026-11-23T03:11:31+24:00 vm postfix/smtp[1]: zone out of range',
  '2026-11-23T03:11:31+23:59 vm postfix/smtp[1]: x',
  '2026-11-23T03:11:31+12:60 vm postfix/smtp[1]: zone out of range',
  '2026-11-23T24:00:00Z vm postfix/smtp[1]: hour 24',
  '2026-11-23T23:59:60Z vm postfix/smtp[1]: leap second',
  '2026-02-29T12:00:00Z vm postfix/smtp[1]: no such day',
  '2024-02-29T12:00:00Z vm postfix/smtp[1]: leap day',
  '2026-02-31T12:00:00Z vm postfix/smtp[1]: no such day',
  '2026-04-31T12:00:00Z vm postfix/smtp[1]: no such day',
  '2026-00-10T12:00:00Z vm postfix/smtp[1]: month 0',
  '2026-13-10T12:00:00Z vm postfix/smtp[1]: month 13',
  '2026-01-00T12:00:00Z vm postfix/smtp[1]: day 0',
  '2026-01-32T12:00:00Z vm postfix/smtp[1]: day 32',
  '0050-01-05T13:54:43Z vm postfix/smtp[1]: year 50',
  '0000-03-01T00:00:00Z vm postfix/smtp[1]: year 0',
  '1969-12-31T23:59:59.999Z vm postfix/smtp[1]: before 1970',
  '1900-02-28T23:59:59Z vm postfix/smtp[1]: not a leap year',
  '2000-02-29T23:59:59Z vm postfix/smtp[1]: a leap year',
  '9999-12-31T23:59:59.999+23:59 vm postfix/smtp[1]: x',
  '2026-11-23T03:11:31Zvm postfix/smtp[1]: no space',
  '2026-11-23T03:11:31Z  vm postfix/smtp[1]: two spaces',
  '2026-11-23T03:11:31Z',
  '2026-11-23T03:11:31Z ',
  '2026-11-23t03:11:31z vm postfix/smtp[1]: lower case',
  '2026-11-23 03:11:31Z vm postfix/smtp[1]: space for T',
  '2026-1-23T03:11:31Z vm postfix/smtp[1]: short month',
  '<13>2026-11-23T03:11:31.000001+01:00 vm postfix/smtp[1]: x',
  'Nov 23 03:11:31 vm postfix/postlog: warning: a: b: c',
  'Nov 23 03:11:31 vm postfix/smtpd[1]:',
  'Nov 23 03:11:31 vm postfix/smtpd[1]:x',
  'Nov 23 03:11:31 vm postfix/smtpd[1]: disconnect from a[1.2.3.4] starttls=0/1\r',
  'Nov 23 03:11:31 vm postfix/smtpd[1]: café ✓ \ufffd',
  'Nov 23 03:11:31 vm postfix/smtpd[0123]: leading zero pid',
  'Nov 23 03:11:31 vm postfix/smtpd[12345678901234567890]: long pid',
  'Dec 31 23:59:59 vm postfix/smtpd[1]: x',
  'Jan  1 00:10:00 vm postfix/smtpd[1]: x',
  'Nov 23 03:11:31 vm dovecot: imap-login: Login: user=<a@b>, TLS',
  'Nov 23 03:11:31 héllo postfix/smtpd[1]: x',
  'Nov 23 03:11:31 vm pöstfix/smtpd[1]: x',
  'Nov 31 25:61:61 vm postfix/smtpd[1]: out of range but well formed',
  'Nov 23 03:11:31 vm postfix/smtpd[]: empty pid',
  'Nov 23 03:11:31 vm postfix/smtpd[1 ]: x',
  'Nov 23 03:11:31  vm postfix/smtpd[1]: two spaces',
  'Nov 23 03:11:31 vm\tpostfix/smtpd[1]: tab',
  '2026-11-23 03:11:31 1uABCD-000123-AB <= a@b H=x [1.2.3.4] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256',
  '',
  'N',
  '<1',
  '<1>',
];

test('scanSyslogHeader equals parseSyslogLine wherever it accepts a line, and accepts every RFC 3164 and zoned RFC 3339 ASCII header', () => {
  const nows = [CORPUS_NOW, Date.parse('2027-01-01T00:30:00'), Date.parse('2026-03-29T01:30:00')];
  let accepted = 0;
  const check = (raw: string, now: number, knownHost = ''): void => {
    const ref = parseSyslogLine(raw, now);
    const got = scanned(raw, now, knownHost);
    if (got !== null) {
      accepted++;
      assert.equal(got, ref, JSON.stringify(raw));
    } else if (
      ref !== null &&
      (/^(?:<\d{1,3}>)?[A-Z][a-z]{2} /.test(raw) || TAKEN_RFC3339.test(raw)) &&
      /^[\x00-\x7f]*$/.test(raw.slice(0, raw.length - ref.message.length))
    ) {
      assert.unreachable(`declined an RFC 3164 or RFC 3339 ASCII header: ${JSON.stringify(raw)}`);
    }
  };
  for (const now of nows) {
    for (const s of SAMPLES) {
      check(s, now);
      check(s, now, 'vm');
      check(s, now, 'v');
    }
  }
  const r = rng(7);
  const corpusLines = FILES.flatMap((f) => linesOf(readFileSync(f, 'utf8')));
  const isoLines = corpusLines.map((line, k) => toRfc3339(line, k));
  let isoTaken = 0;
  for (const line of corpusLines) check(line, CORPUS_NOW, 'vm');
  for (const line of isoLines) {
    check(line, CORPUS_NOW, 'vm');
    if (TAKEN_RFC3339.test(line)) isoTaken++;
  }
  assert.ok(isoTaken > 1000, `only ${isoTaken} corpus lines written with RFC 3339 timestamps`);
  for (let i = 0; i < 30_000; i++) {
    const pool = i % 3 === 0 ? SAMPLES : i % 3 === 1 ? corpusLines : isoLines;
    const base = pool[i % pool.length]!;
    check(mutate(base, r), nows[i % nows.length]!, i % 3 === 0 ? 'vm' : '');
  }
  assert.ok(accepted > 5000, `only ${accepted} lines took the byte path`);
});

function sameResult(a: DispatchResult, b: DispatchResult, what: string): void {
  assert.is(a.status, b.status, what);
  assert.equal(a.outcomes, b.outcomes, what);
}

test('pushBytes gives the same statuses and outcomes as push over every corpus file, with either timestamp', () => {
  let asciiFiles = 0;
  for (const [file, iso] of FILES.flatMap((f) => [[f, false], [f, true]] as const)) {
    const original = linesOf(readFileSync(file, 'utf8'));
    const lines = iso ? original.map((line, k) => toRfc3339(line, k)) : original;
    const byString = createDispatcher('auto', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
    const byBytes = createDispatcher('auto', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
    // the lines of a file back to back in one buffer, as a chunk holds them
    const chunk = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    const ascii = isAscii(chunk);
    if (ascii) asciiFiles++;
    let start = 0;
    for (const line of lines) {
      const end = chunk.indexOf(0x0a, start);
      sameResult(byBytes.pushBytes(chunk, start, end, undefined, ascii), byString.push(line), `${file}: ${line}`);
      start = end + 1;
    }
    assert.equal(byBytes.drain(), byString.drain(), file);
    assert.equal(byBytes.snapshot(), byString.snapshot(), file);
    assert.is(byBytes.lastLogTime(), byString.lastLogTime(), file);
  }
  assert.ok(asciiFiles > 10, 'the ASCII decode was not exercised');
});

test('pushBytes with mixed and mutated lines: same results as push, line by line', () => {
  const r = rng(11);
  const corpusLines = FILES.flatMap((f) => linesOf(readFileSync(f, 'utf8')));
  const lines: string[] = [];
  for (let i = 0; i < 30_000; i++) {
    const base = corpusLines[Math.floor(r() * corpusLines.length)]!;
    lines.push(r() < 0.2 ? mutate(base, r) : base);
  }
  for (const format of ['auto', 'postfix', 'exim'] as const) {
    const byString = createDispatcher(format, DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
    const byBytes = createDispatcher(format, DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
    for (const line of lines) {
      const buf = Buffer.from(`xx${line}\nyy`, 'utf8');
      const ascii = isAscii(buf);
      sameResult(byBytes.pushBytes(buf, 2, buf.length - 3, CORPUS_NOW, ascii), byString.push(line), `${format}: ${JSON.stringify(line)}`);
    }
    assert.equal(byBytes.drain(), byString.drain(), format);
  }
});

test('Postfix connect and disconnect lines read as bytes: same results as push, whatever the starttls counter says', () => {
  const counters = [
    '', ' starttls=1', ' starttls=1/1', ' starttls=0/1', ' starttls=1/2', ' starttls=0/0', ' starttls=00/01', ' starttls=0/',
    ' starttls=0/ 1', ' starttls=0/+1', ' starttls=0/-1', ' starttls=0/1x', ' starttls=', ' starttls=x', ' starttls=0/123456789012345678',
    ' starttls=99999999999999999998/99999999999999999999', ' starttls=0/1 starttls=1/1', ' starttls=1/1 starttls=0/1',
  ];
  const openers = [
    [],
    ['Anonymous TLS connection established from a[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)'],
    ['SSL_accept error from a[192.0.2.1]: -1', 'warning: TLS library problem: error:0A000076:SSL routines::no suitable signature algorithm:../ssl/t1_lib.c:3330:'],
    ['lost connection after STARTTLS from a[192.0.2.1]'],
    ['timeout after STARTTLS from a[192.0.2.1]'],
  ];
  // one connection per group of lines, on one of three processes in turn
  const lines: [pid: number, message: string][] = [];
  let group = 0;
  for (const opener of openers) {
    for (const counter of counters) {
      const pid = 100 + (group++ % 3);
      for (const m of ['connect from a[192.0.2.1]', ...opener, `disconnect from a[192.0.2.1] ehlo=1${counter} commands=2`]) lines.push([pid, m]);
    }
  }
  for (const m of ['disconnect from starttls=0/1', 'disconnect from  starttls=0/1', 'disconnect from a[192.0.2.1]starttls=0/1', 'connect from', 'disconnect from']) {
    lines.push([100, m]);
  }
  for (const program of ['postfix/smtpd', 'postfix/submission/smtpd', 'postfix/postscreen', 'postfix/tlsproxy', 'postfix/smtp']) {
    const byString = createDispatcher('auto', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
    const byBytes = createDispatcher('auto', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
    let emitted = 0;
    for (const [pid, message] of lines) {
      const line = `Nov 23 03:11:31 vm ${program}[${pid}]: ${message}`;
      const buf = Buffer.from(`${line}\n`, 'latin1');
      const want = byString.push(line);
      emitted += want.outcomes.length;
      sameResult(byBytes.pushBytes(buf, 0, buf.length - 1, CORPUS_NOW, true), want, `${program}: ${message}`);
    }
    assert.equal(byBytes.drain(), byString.drain(), program);
    if (program !== 'postfix/smtp') assert.ok(emitted > 40, `${program}: only ${emitted} outcomes`);
  }
});

test('pushBytes reads only its range and keeps nothing of the buffer', () => {
  const d = createDispatcher('auto', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
  const text = 'Nov 23 03:12:29 vm postfix/smtpd[18529]: connect from localhost[127.0.0.1]\n';
  const buf = Buffer.from(text + text, 'utf8');
  assert.is(d.pushBytes(buf, 0, text.length - 1).status, 'tls');
  // the same bytes overwritten: the parser's memory must not change with them
  const before = JSON.stringify(d.snapshot());
  buf.fill(0x41);
  assert.is(JSON.stringify(d.snapshot()), before);
});

test.run();
