import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSyslogLine } from '../../../src/logs/parsers/syslog.js';

const NOW = new Date(2026, 10, 23, 12, 0, 0).getTime();

test('RFC 3164 as rsyslog writes it', () => {
  const l = parseSyslogLine('Nov 23 03:11:31 vm postfix/strict/smtpd[18572]: connect from localhost[127.0.0.1]', NOW);
  assert.equal(l, {
    time: new Date(2026, 10, 23, 3, 11, 31).getTime(),
    host: 'vm',
    program: 'postfix/strict/smtpd',
    pid: '18572',
    message: 'connect from localhost[127.0.0.1]',
  });
});

test('RFC 3164 days: space-padded, two digits, zero-padded (Postfix maillog_file)', () => {
  const at = (raw: string) => parseSyslogLine(raw, NOW)?.time;
  assert.is(at('Nov  3 03:11:31 vm postfix/smtpd[1]: x'), new Date(2026, 10, 3, 3, 11, 31).getTime());
  assert.is(at('Nov 3 03:11:31 vm postfix/smtpd[1]: x'), new Date(2026, 10, 3, 3, 11, 31).getTime());
  assert.is(at('Nov 03 03:11:31 mx postfix/smtpd[1]: x'), new Date(2026, 10, 3, 3, 11, 31).getTime());
  assert.is(at('Oct 31 23:59:59 vm postfix/smtpd[1]: x'), new Date(2026, 9, 31, 23, 59, 59).getTime());
});

test('RFC 3339 timestamps', () => {
  const l = parseSyslogLine('2026-11-23T03:11:31.123456+00:00 vm postfix/smtpd[18529]: disconnect from unknown[::1] ehlo=2', NOW);
  assert.is(l?.time, Date.UTC(2026, 10, 23, 3, 11, 31, 123));
  assert.is(l?.program, 'postfix/smtpd');
  assert.is(l?.message, 'disconnect from unknown[::1] ehlo=2');
  assert.is(parseSyslogLine('2026-11-23T03:11:31Z vm sm-mta[9]: x', NOW)?.time, Date.UTC(2026, 10, 23, 3, 11, 31));
  assert.is(parseSyslogLine('2026-11-23T05:11:31+02:00 vm sm-mta[9]: x', NOW)?.time, Date.UTC(2026, 10, 23, 3, 11, 31));
  assert.is(parseSyslogLine('2026-11-23T05:11:31-0130 vm sm-mta[9]: x', NOW)?.time, Date.UTC(2026, 10, 23, 6, 41, 31));
  // No zone: local time, as for RFC 3164.
  assert.is(parseSyslogLine('2026-11-23T03:11:31 vm sm-mta[9]: x', NOW)?.time, new Date(2026, 10, 23, 3, 11, 31).getTime());
});

test('local times (syslog as strings and bytes, Exim mainlog) on daylight-saving days and with fields out of range, in zones with whole- and half-hour shifts', () => {
  const script = fileURLToPath(new URL('./syslog-dst-check.ts', import.meta.url));
  for (const tz of ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, TZ: tz },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.trim(), 'checked 3624', `${tz}\n${r.stdout}`);
  }
});

test('PRI prefix', () => {
  const a = parseSyslogLine('<22>Nov 23 03:11:31 vm sm-mta[1234]: STARTTLS=server', NOW);
  assert.equal([a?.program, a?.pid, a?.message], ['sm-mta', '1234', 'STARTTLS=server']);
  const b = parseSyslogLine('<150>2026-11-23T03:11:31Z vm smtpd[5]: 4050fc0e44c7054d smtp connected', NOW);
  assert.equal([b?.program, b?.message], ['smtpd', '4050fc0e44c7054d smtp connected']);
});

test('year: a December line read in January belongs to the year before', () => {
  const jan1 = new Date(2027, 0, 1, 0, 30, 0).getTime();
  assert.is(parseSyslogLine('Dec 31 23:59:59 vm postfix/smtpd[1]: x', jan1)?.time, new Date(2026, 11, 31, 23, 59, 59).getTime());
  assert.is(parseSyslogLine('Jan  1 00:10:00 vm postfix/smtpd[1]: x', jan1)?.time, new Date(2027, 0, 1, 0, 10, 0).getTime());
  // A clock a few hours ahead of ours is not a year away.
  assert.is(parseSyslogLine('Jan  1 05:00:00 vm postfix/smtpd[1]: x', jan1)?.time, new Date(2027, 0, 1, 5, 0, 0).getTime());
});

test('tags without a pid, and messages with colons', () => {
  const a = parseSyslogLine('Nov 23 03:11:31 vm postfix/postlog: warning: a: b: c', NOW);
  assert.equal([a?.program, a?.pid, a?.message], ['postfix/postlog', '', 'warning: a: b: c']);
  const b = parseSyslogLine('Nov 23 03:11:31 vm postfix/smtpd[1]:', NOW);
  assert.equal([b?.program, b?.message], ['postfix/smtpd', '']);
});

test('CRLF line ends are not part of the message', () => {
  assert.is(parseSyslogLine('Nov 23 03:11:31 vm postfix/smtpd[1]: disconnect from a[1.2.3.4] starttls=0/1\r', NOW)?.message, 'disconnect from a[1.2.3.4] starttls=0/1');
});

test('lines that are not syslog', () => {
  for (const raw of [
    '',
    'hello world',
    // Exim mainlog: a space, not a T, between date and time.
    '2026-11-23 03:11:31 1vN5Jz-004e3O-0T <= sender@client.corpus.test H=localhost [127.0.0.1] P=esmtps',
    '2026-11-23 03:11:31.123 [1234] 1vN5Jz-004e3O-0T Completed',
    'Foo 23 03:11:31 vm postfix/smtpd[1]: x',
    'Nov 23 3:11:31 vm postfix/smtpd[1]: x',
    'Nov 23 03:11:31 vm',
    'Nov 23 03:11:31 vm postfix/smtpd[1] no colon',
  ]) {
    assert.is(parseSyslogLine(raw, NOW), null, raw);
  }
});

test.run();
