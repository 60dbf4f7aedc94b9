/**
 * The export-format reader: entries as journalctl writes them (text and binary fields), cut into
 * chunks at every possible place, long values, and records without a message or a cursor.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JournalExportReader } from '../../../src/logs/source/journal-export.js';
import type { JournalRecord } from '../../../src/logs/source/journal-entry.js';
import { exportEntry } from '../../fixtures/journal/bin/export-format.mjs';

const FIX = fileURLToPath(new URL('../../fixtures/journal/', import.meta.url));
const records = (name: string): Record<string, string | number[]>[] =>
  readFileSync(`${FIX}${name}`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string | number[]>);

function readAll(stream: Buffer, cuts: number[], reader = new JournalExportReader()): JournalRecord[] {
  const out: JournalRecord[] = [];
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    out.push(...reader.push(stream.subarray(at, cut)));
    at = cut;
  }
  return out;
}

const BINARY: Record<string, string | number[]>[] = [
  // with names one byte away from the wanted ones, after them
  { __CURSOR: 'c1', __REALTIME_TIMESTAMP: '1795403491000000', _BOOT_ID: 'b', SYSLOG_IDENTIFIER: 'postfix/smtpd', SYSLOG_PID: '7', _HOSTNAME: 'mx', MESSAGE: 'connect from a[192.0.2.1]', MESSAGF: 'decoy', SYSLOG_PIE: '99', _HOSTNAMF: 'decoy', __CURSOS: 'decoy' },
  // invalid UTF-8 and a newline: binary fields; _COMM stands in for a missing SYSLOG_IDENTIFIER, _PID for SYSLOG_PID
  { _COMM: 'smtpd', _PID: '8', MESSAGE: [104, 105, 0xff, 10, 33], __CURSOR: 'c2', __REALTIME_TIMESTAMP: '1795403491500000', _HOSTNAME: 'mx', MESSAGF: [1, 10, 2] },
  // an unwanted binary field holding what looks like entry syntax
  { __CURSOR: 'c3', DATA: [...Buffer.from('\n\nMESSAGE=no\n\n')], SYSLOG_IDENTIFIER: 'x', MESSAGE: '', _HOSTNAME: 'mx', __REALTIME_TIMESTAMP: '0' },
  // no message: the cursor still moves
  { __CURSOR: 'c4', SYSLOG_IDENTIFIER: 'kernel' },
  // no cursor: not an entry
  { MESSAGE: 'stray', SYSLOG_IDENTIFIER: 'x' },
  // an empty binary value
  { __CURSOR: 'c6', SYSLOG_IDENTIFIER: 'postfix/smtp', _HOSTNAME: 'mx', __REALTIME_TIMESTAMP: '1795403491000001', MESSAGE: [] },
];

const WANT_BINARY: JournalRecord[] = [
  { cursor: 'c1', line: '2026-11-23T03:11:31.000Z mx postfix/smtpd[7]: connect from a[192.0.2.1]' },
  { cursor: 'c2', line: '2026-11-23T03:11:31.500Z mx smtpd[8]: hi\ufffd !' },
  { cursor: 'c3', line: '1970-01-01T00:00:00.000Z mx x: ' },
  { cursor: 'c4', line: null },
  { cursor: 'c6', line: '2026-11-23T03:11:31.000Z mx postfix/smtp: ' },
];

test('text and binary fields, fields in any order, entries without a message or a cursor', () => {
  const stream = Buffer.concat(BINARY.map(exportEntry));
  assert.equal(readAll(stream, []), WANT_BINARY);
});

test('the same records whatever the chunks: split at every byte, and one byte at a time', () => {
  const stream = Buffer.concat(BINARY.map(exportEntry));
  for (let cut = 0; cut <= stream.length; cut++) assert.equal(readAll(stream, [cut]), WANT_BINARY, `cut at ${cut}`);
  assert.equal(readAll(stream, Array.from({ length: stream.length }, (_, i) => i)), WANT_BINARY);
});

test('the fixture journal: every record, in order, with its cursor', () => {
  const all = [...records('part1.json'), ...records('part2.json')];
  const got = readAll(Buffer.concat(all.map(exportEntry)), [777, 4096, 4097]);
  assert.is(got.length, all.length);
  got.forEach((r, i) => assert.is(r.cursor, all[i]!.__CURSOR));
  assert.is(got[1]!.line, '2026-11-23T03:11:31.000Z vm postfix/strict/smtpd[18572]: SSL_accept error from localhost[127.0.0.1]: -1');
});

test('a stream that lost step (a binary value longer than its length says) costs that entry only', () => {
  const good = (cursor: string): Buffer => exportEntry({ __CURSOR: cursor, SYSLOG_IDENTIFIER: 'p', _HOSTNAME: 'h', __REALTIME_TIMESTAMP: '0', MESSAGE: `m ${cursor}` });
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(3n);
  // MESSAGE says 3 bytes and holds 5, then a field with a lower-case name
  const broken = Buffer.concat([Buffer.from('__CURSOR=b\nSYSLOG_IDENTIFIER=p\nMESSAGE\n'), length, Buffer.from('hello\nbad name=x\n_HOSTNAME=h\n\n')]);
  const stream = Buffer.concat([good('a'), broken, good('c')]);
  for (const cuts of [[], Array.from({ length: stream.length }, (_, i) => i)]) {
    const got = readAll(stream, cuts);
    assert.equal(got[0], { cursor: 'a', line: '1970-01-01T00:00:00.000Z h p: m a' });
    assert.equal(got.at(-1), { cursor: 'c', line: '1970-01-01T00:00:00.000Z h p: m c' });
    assert.is(got.length, 3);
  }
});

test('values longer than the limit are cut there and counted; unwanted ones are passed over', () => {
  const long = 'x'.repeat(5000);
  const entries: Record<string, string | number[]>[] = [
    { __CURSOR: 'a', SYSLOG_IDENTIFIER: 'p', _HOSTNAME: 'h', __REALTIME_TIMESTAMP: '0', MESSAGE: long },
    { __CURSOR: 'b', SYSLOG_IDENTIFIER: 'p', _HOSTNAME: 'h', __REALTIME_TIMESTAMP: '0', MESSAGE: [...Buffer.from(`${long}\n`)] },
    { __CURSOR: 'c', SYSLOG_IDENTIFIER: 'p', _HOSTNAME: 'h', __REALTIME_TIMESTAMP: '0', COREDUMP: [...Buffer.alloc(100_000, 7)], NOTE: long, MESSAGE: 'short' },
  ];
  const stream = Buffer.concat(entries.map(exportEntry));
  for (const cuts of [[], [3000, 3001, 20_000], Array.from({ length: 200 }, (_, i) => i * 577)]) {
    const reader = new JournalExportReader(1000);
    const got = readAll(stream, cuts, reader);
    assert.equal(
      got.map((r) => r.line),
      [`1970-01-01T00:00:00.000Z h p: ${'x'.repeat(1000)}`, `1970-01-01T00:00:00.000Z h p: ${'x'.repeat(1000)}`, '1970-01-01T00:00:00.000Z h p: short'],
      JSON.stringify(cuts.slice(0, 3)),
    );
    assert.is(reader.takeCut(), 2);
    assert.is(reader.takeCut(), 0);
  }
});

test.run();
