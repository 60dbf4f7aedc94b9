/**
 * 200 real inbound sessions, 16 at a time, with smtpd processes reused across sessions. The truth
 * file was recorded on the client side in the `report --json` shape; its reason names are already
 * ours (`close` clients → lost_connection, `plaintext` → non_tls_data, `nocipher` →
 * no_shared_cipher, `proto` → protocol_version), and its `notls` sessions never sent STARTTLS, so
 * they have no outcome.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDispatcher } from '../../../src/logs/dispatcher.js';
import { DEFAULT_PARSER_OPTIONS, FAILURE_REASONS } from '../../../src/logs/parsers/types.js';
import type { Outcome } from '../../../src/logs/parsers/types.js';
import type { FailureRow, HandshakeRow } from '../../../src/report/summary.js';
import { CORPUS_NOW, corpusPath, linesOf, replayFile } from '../../helpers/corpus.js';

interface Truth {
  sessions: number;
  kinds: Record<string, number>;
  handshakes: HandshakeRow[];
  failures: FailureRow[];
  client_errors: unknown[];
}

const LOG = corpusPath('interleaved/postfix-interleaved-sample.log');
const truth = JSON.parse(readFileSync(corpusPath('interleaved/postfix-interleaved-sample.truth.json'), 'utf8')) as Truth;

/** Truth reason → our reason. The truth file already speaks our vocabulary; kept explicit so a rename shows up here. */
const REASON_MAP: Record<string, string> = {
  lost_connection: 'lost_connection',
  no_shared_cipher: 'no_shared_cipher',
  non_tls_data: 'non_tls_data',
  protocol_version: 'protocol_version',
};

function totals(out: Outcome[]): { handshakes: HandshakeRow[]; failures: FailureRow[] } {
  const hs = new Map<string, HandshakeRow>();
  const fs = new Map<string, FailureRow>();
  for (const o of out) {
    if (o.kind === 'handshake') {
      const k = [o.mta, o.direction, o.protocol, o.cipher, o.trust].join('|');
      const t = hs.get(k) ?? { mta: o.mta, direction: o.direction, protocol: o.protocol, cipher: o.cipher, trust: o.trust, count: 0 };
      t.count++;
      hs.set(k, t);
    } else {
      const k = [o.mta, o.direction, o.reason].join('|');
      const t = fs.get(k) ?? { mta: o.mta, direction: o.direction, reason: o.reason, count: 0 };
      t.count++;
      fs.set(k, t);
    }
  }
  const byKey = <T extends object>(a: T, b: T) => JSON.stringify(a).localeCompare(JSON.stringify(b));
  return { handshakes: [...hs.values()].sort(byKey), failures: [...fs.values()].sort(byKey) };
}

test('the truth file is what this test expects', () => {
  assert.is(truth.sessions, 200);
  assert.is(Object.values(truth.kinds).reduce((a, b) => a + b, 0), truth.sessions);
  for (const f of truth.failures) {
    assert.ok(REASON_MAP[f.reason] !== undefined, f.reason);
    assert.ok((FAILURE_REASONS as readonly string[]).includes(REASON_MAP[f.reason]!), f.reason);
  }
  assert.equal(truth.client_errors, []);
});

test('totals of handshakes and failures equal the client-side truth', () => {
  const got = totals(replayFile(LOG, 'postfix'));
  const want = {
    handshakes: [...truth.handshakes].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    failures: truth.failures
      .map((f) => ({ ...f, reason: REASON_MAP[f.reason]! }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
  assert.equal(got, want);
});

test('every session is accounted for exactly once', () => {
  const out = replayFile(LOG, 'postfix');
  const withoutStarttls = truth.kinds['notls'] ?? 0;
  assert.is(out.length + withoutStarttls, truth.sessions);
});

test('outcomes settle while reading, not only at the end', () => {
  const d = createDispatcher('postfix', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
  let live = 0;
  let unparsed = 0;
  for (const raw of linesOf(readFileSync(LOG, 'utf8'))) {
    const r = d.push(raw);
    live += r.outcomes.length;
    if (r.status === 'unparsed') unparsed++;
  }
  const rest = d.drain();
  assert.is(unparsed, 0);
  assert.is(rest.length, 0);
  assert.is(live, truth.sessions - (truth.kinds['notls'] ?? 0));
});

test.run();
