import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { journalctlArgs } from '../../../src/logs/source/journal-source.js';
import { journalRecord, type JournalFields } from '../../../src/logs/source/journal-entry.js';
import { startExporter, waitFor } from '../../helpers/daemon.js';
import { sampleSum, sampleValue } from '../../helpers/metrics-text.js';

const FIX = fileURLToPath(new URL('../../fixtures/journal/', import.meta.url));
const PART1 = readFileSync(join(FIX, 'part1.json'), 'utf8');
const PART2 = readFileSync(join(FIX, 'part2.json'), 'utf8');
const count = (s: string) => s.split('\n').filter(Boolean).length;

test('a journal record becomes an RFC 3339 syslog line', () => {
  const r = journalRecord(JSON.parse(PART1.split('\n')[1]!) as JournalFields)!;
  assert.match(r.cursor, /^s=.*;i=101;/);
  assert.is(r.line, '2026-11-23T03:11:31.000Z vm postfix/strict/smtpd[18572]: SSL_accept error from localhost[127.0.0.1]: -1');
  assert.equal(journalRecord({ __CURSOR: 'c', _COMM: 'smtpd', MESSAGE: 'a\nb' }), { cursor: 'c', line: '1970-01-01T00:00:00.000Z localhost smtpd: a b' });
  assert.equal(journalRecord({ __CURSOR: 'c', SYSLOG_IDENTIFIER: 'smtpd' }), { cursor: 'c', line: null });
  assert.is(journalRecord({ MESSAGE: 'x', SYSLOG_IDENTIFIER: 'smtpd' }), null);
});

test('journalctl arguments: cursor, start position, units and OR-ed matches', () => {
  assert.equal(journalctlArgs({ units: ['postfix@-.service'], matches: [], cursor: null, startAt: 'end' }), [
    '--follow', '--output=export', '--all', '--lines=0', '--unit=postfix@-.service',
  ]);
  assert.equal(journalctlArgs({ units: [], matches: ['SYSLOG_IDENTIFIER=exim', 'SYSLOG_IDENTIFIER=sm-mta'], cursor: 'abc', startAt: 'beginning' }), [
    '--follow', '--output=export', '--all', '--after-cursor=abc', 'SYSLOG_IDENTIFIER=exim', '+', 'SYSLOG_IDENTIFIER=sm-mta',
  ]);
});

test('the cursor is persisted: a restart continues after the last record, no loss, no double count', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  const fixture = join(dir, 'journal.json');
  const argsLog = join(dir, 'args.log');
  writeFileSync(fixture, PART1);
  const config = join(dir, 'config.yml');
  writeFileSync(config, `state_dir: ${join(dir, 'state')}\nlogs:\n  - journal: { units: [postfix@-.service] }\n    start_at: beginning\n`);
  const env = { PATH: `${join(FIX, 'bin')}:${process.env.PATH}`, JOURNAL_FIXTURE: fixture, JOURNAL_ARGS_LOG: argsLog };
  const a = await startExporter(['--config', config], env);
  await waitFor('first part read', async () => sampleValue(await a.metrics(), 'smtp_tls_log_lines_read_total', { path: 'journal' }) === count(PART1) || undefined);
  assert.is(await a.stop(), 0);
  appendFileSync(fixture, PART2);
  const b = await startExporter(['--config', config], env);
  try {
    const m = await waitFor('second part read', async () => {
      const t = await b.metrics();
      return sampleValue(t, 'smtp_tls_log_lines_read_total', { path: 'journal' }) === count(PART2) ? t : undefined;
    });
    assert.is(sampleSum(m, 'smtp_tls_handshake_failures_total'), 0, 'part 1 is not counted again');
    assert.is(sampleSum(m, 'smtp_tls_handshakes_total', { mta: 'postfix', protocol: 'TLSv1.3' }), 1);
    assert.is(sampleValue(m, 'smtp_tls_log_up', { path: 'journal' }), 1);
  } finally {
    await b.stop();
  }
  const calls = readFileSync(argsLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
  assert.ok(calls[0]!.includes('--no-tail'));
  const lastCursor = JSON.parse(PART1.trim().split('\n').pop()!).__CURSOR;
  assert.ok(calls[1]!.includes(`--after-cursor=${lastCursor}`), JSON.stringify(calls[1]));
});

test('a missing journalctl is reported clearly and the daemon keeps running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  const config = join(dir, 'config.yml');
  writeFileSync(config, `state_dir: ${join(dir, 'state')}\nlogs:\n  - journal: {}\n`);
  const d = await startExporter(['--config', config], { PATH: join(dir, 'empty-bin') });
  try {
    await waitFor('warning', () => (/journalctl is not installed or not on PATH/.test(d.stderr()) ? true : undefined));
    assert.is(sampleValue(await d.metrics(), 'smtp_tls_log_up', { path: 'journal' }), 0);
  } finally {
    assert.is(await d.stop(), 0);
  }
});

test.run();
