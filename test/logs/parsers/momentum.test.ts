/**
 * Momentum has no recorded corpus: these fixtures are written from SparkPost's documentation of the
 * log formats (see test/fixtures/momentum/README.md), so they check the documented formats only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDispatcher } from '../../../src/logs/dispatcher.js';
import { momentumFormat } from '../../../src/logs/parsers/momentum.js';
import { DEFAULT_PARSER_OPTIONS } from '../../../src/logs/parsers/types.js';
import type { LogLine, MtaParser, Outcome } from '../../../src/logs/parsers/types.js';
import { CORPUS_NOW, FIXTURES, linesOf, replayLines } from '../../helpers/corpus.js';

const DIR = join(FIXTURES, 'momentum');
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Record<string, string>[]>;

function comparable(o: Outcome): Record<string, string> {
  const r: Record<string, string> = { kind: o.kind, direction: o.direction, peer: o.peer };
  if (o.kind === 'failure') r['reason'] = o.reason;
  if (o.protocol !== undefined) r['protocol'] = o.protocol;
  if (o.cipher !== undefined) r['cipher'] = o.cipher;
  if (o.trust !== undefined) r['trust'] = o.trust;
  return r;
}

test('documented-format fixtures: every file has expectations', () => {
  assert.equal(Object.keys(EXPECTED).sort(), ['bouncelog.ec', 'custom_tls.log', 'mainlog.ec', 'syslog.log']);
});

for (const [file, expected] of Object.entries(EXPECTED)) {
  test(`documented-format fixture: ${file}`, () => {
    const lines = linesOf(readFileSync(join(DIR, file), 'utf8'));
    const out = replayLines(lines, 'momentum');
    for (const o of out) {
      assert.is(o.mta, 'momentum');
      assert.ok(Number.isFinite(o.time), 'time');
    }
    assert.equal(out.map(comparable), expected);
    assert.equal(replayLines(lines, 'auto'), out, 'format auto gives the same outcomes');
  });

  test(`documented-format fixture: no line of ${file} is left unparsed`, () => {
    const d = createDispatcher('auto', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
    for (const line of linesOf(readFileSync(join(DIR, file), 'utf8'))) {
      const r = d.push(line);
      assert.is.not(r.status, 'unparsed', line);
      assert.is.not(r.status, 'ignored', line);
    }
  });
}

test('record timestamps: seconds, microseconds (log_hires_timestamp), custom %m:%d:%H:%M:%S', () => {
  const rec = '@00/00-1@00/00-2@00/00-3@M';
  assert.is(momentumFormat.parseNative!(`1064869327${rec}`, 2026)!.time, 1064869327000);
  assert.is(momentumFormat.parseNative!(`1064869327123456${rec}`, 2026)!.time, 1064869327123);
  assert.is(momentumFormat.parseNative!(`11:23:03:11:31${rec}`, 2026)!.time, new Date(2026, 10, 23, 3, 11, 31).getTime());
  const line = momentumFormat.parseNative!(`1064869327${rec}`, 2026)!;
  assert.is(line.program, 'ecelerity');
  assert.is(line.message, `1064869327${rec}`);
});

test('lines that are not Momentum records are not taken', () => {
  for (const raw of [
    '2026-11-23 03:24:59 TLS error on connection from (c) [127.0.0.1] (gnutls_handshake): timed out',
    '1236672125: R="10.79.25.142:42601" L="10.79.25.142:25" C="18/00-07149-D7E16B94" E=550 relaying denied',
    '1746712864:scriptlet: TLSRPT: test.bird.com@sts@OK',
    '1064869327@a@b@c@Q@x',
    'Nov 23 03:11:31 mx1 ecelerity[4242]: 1064869327@a@b@c@T@x',
  ]) {
    assert.is(momentumFormat.parseNative!(raw, 2026), null, raw);
  }
  assert.ok(momentumFormat.ownsProgram('ecelerity'));
  assert.not.ok(momentumFormat.ownsProgram('exim'));
});

function push(p: MtaParser, raws: string[]): Outcome[] {
  const out: Outcome[] = [];
  for (const raw of raws) out.push(...p.push(momentumFormat.parseNative!(raw, 2026) as LogLine).outcomes);
  return out;
}

const T1 =
  '1064872001@00/00-25593-CBD98801@00/00-03736-F4101B60@00/00-04532-A3456C01@T@example.fict@0@group-a@binding-a@17@0@2.10@10.0.0.11@451 4.7.5 [internal] TLS negotiation failed';
const T2 = T1.replace('CBD98801', 'CBD98802');

test('records of one connection count once, also across snapshot/restore; the cap holds', () => {
  const a = momentumFormat.create(DEFAULT_PARSER_OPTIONS);
  assert.is(push(a, [T1]).length, 1);
  const b = momentumFormat.create(DEFAULT_PARSER_OPTIONS);
  b.restore(JSON.parse(JSON.stringify(a.snapshot())));
  assert.equal(push(b, [T2]), []);
  assert.is(push(momentumFormat.create(DEFAULT_PARSER_OPTIONS), [T2]).length, 1);
  const c = momentumFormat.create({ sessionTtlMs: 60_000, maxSessions: 2 });
  for (let i = 0; i < 5; i++) push(c, [T1.replace('A3456C01', `A3456C0${i}`)]);
  assert.is((c.snapshot() as { sessions: unknown[] }).sessions.length, 2);
  c.restore({ v: 1, sessions: [['x', { last: 'never' }]] });
  assert.equal(c.snapshot(), { v: 1, sessions: [] });
});

test.run();
