import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHandshake, peerOf } from '../../../src/logs/parsers/postfix-lines.js';
import { parseSyslogLine } from '../../../src/logs/parsers/syslog.js';
import { normaliseProtocol } from '../../../src/logs/parsers/tls-names.js';
import { CORPUS, CORPUS_NOW } from '../../helpers/corpus.js';
import { rng } from '../../helpers/rng.js';

// The summary line grammar parseHandshake reads by hand.
const REFERENCE =
  /^(?:(Anonymous|Untrusted|Trusted|Verified) )?TLS connection (?:established|reused) (from|to) (\S+?)(?: to \S+?)?: (\S+) with cipher (\S+) \(\d+\/\d+ bits\)/;

function byReference(msg: string): ReturnType<typeof parseHandshake> {
  const m = REFERENCE.exec(msg);
  if (!m) return null;
  return {
    trust: m[1] === undefined ? null : (m[1].toLowerCase() as 'anonymous'),
    inbound: m[2] === 'from',
    peer: peerOf(m[3]!),
    protocol: normaliseProtocol(m[4]!),
    cipher: m[5]!,
  };
}

function postfixMessages(): string[] {
  const out: string[] = [];
  const dir = join(CORPUS, 'postfix');
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.log')) continue;
    for (const raw of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const line = parseSyslogLine(raw, CORPUS_NOW);
      if (line && line.program.startsWith('postfix')) out.push(line.message);
    }
  }
  return out;
}

test('parseHandshake reads every corpus summary as the reference expression does', () => {
  const messages = postfixMessages();
  let summaries = 0;
  for (const m of messages) {
    const want = byReference(m);
    if (want) summaries++;
    assert.equal(parseHandshake(m), want, m);
  }
  assert.ok(summaries >= 10, `only ${summaries} summaries in the corpus`);
});

test('parseHandshake agrees with the reference on edited and cut summaries', () => {
  const base = [
    'Anonymous TLS connection established from mail-ej1-f41.google.com[209.85.218.41]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519',
    'Verified TLS connection established to mx[2001:db8::25]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
    'Trusted TLS connection reused to mx.example[192.0.2.1]:25: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)',
    'TLS connection established from unknown[198.51.100.7]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)',
    'Untrusted TLS connection established from host[192.0.2.9] to mx.sni.example: TLSv1.3 with cipher TLS_CHACHA20_POLY1305_SHA256 (256/256 bits)',
    'Anonymous TLS connection established from h[192.0.2.1]:: TLSv1.3 with cipher X (1/1 bits)',
  ];
  const rnd = rng(7);
  const edits = ['', ' ', ':', 'to ', ': ', '(', ')', '/', '1', 'x', ' to '];
  let agreed = 0;
  for (const b of base) {
    for (let k = 0; k < 400; k++) {
      const at = Math.floor(rnd() * (b.length + 1));
      const cut = Math.floor(rnd() * 3);
      const edited = b.slice(0, at) + edits[Math.floor(rnd() * edits.length)] + b.slice(at + cut);
      assert.equal(parseHandshake(edited), byReference(edited), edited);
      agreed++;
    }
    for (let n = 0; n <= b.length; n++) assert.equal(parseHandshake(b.slice(0, n)), byReference(b.slice(0, n)), b.slice(0, n));
  }
  assert.ok(agreed > 2000);
});

test.run();
