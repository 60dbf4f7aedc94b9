import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDispatcher } from '../../../src/logs/dispatcher.js';
import { opensmtpdFormat } from '../../../src/logs/parsers/opensmtpd.js';
import { parseSyslogLine } from '../../../src/logs/parsers/syslog.js';
import { DEFAULT_PARSER_OPTIONS } from '../../../src/logs/parsers/types.js';
import type { FailureOutcome, MtaParser, Outcome } from '../../../src/logs/parsers/types.js';
import { assertManifestOutcome, filesOf } from '../../helpers/manifest-outcome.js';
import { CORPUS_NOW, corpusPath, linesOf, manifest, replayFile, replayLines } from '../../helpers/corpus.js';

const OPENSMTPD = manifest().filter((e) => e.mta === 'opensmtpd');


/** What these lines say beyond the manifest's coarse class. */
const REFINED: Record<string, string> = {
  // `mta ssl_check_name: no match for 'localhost' in cert` before `SSL certificate check failed`
  'opensmtpd/out10b_cert_wrong_name_secure.log': 'cert_hostname_mismatch',
  // `SSL certificate check failed` alone does not say why
  'opensmtpd/out10a_cert_untrusted_verify.log': 'cert_verify_failed',
};


test('the manifest lists the OpenSMTPD files', () => {
  assert.ok(OPENSMTPD.length >= 25);
  assert.ok(OPENSMTPD.some((e) => e.file.includes('__verbose')));
});

for (const e of OPENSMTPD) {
  for (const file of filesOf(e)) {
    test(`manifest: ${file}`, () => {
      const out = replayFile(corpusPath(file), 'opensmtpd');
      assert.equal(replayFile(corpusPath(file), 'auto'), out, 'format auto gives the same outcomes');
      assertManifestOutcome(e, out, { refined: REFINED[file], peer: (p) => assert.ok(p.endsWith(`[${String(e['peer_ip'])}]`), p) });
    });
  }
}

test('the refined reasons belong to manifest entries with the coarse class', () => {
  for (const file of Object.keys(REFINED)) {
    const e = OPENSMTPD.find((x) => x.file === file);
    assert.ok(e, file);
    assert.is(e!.expected.reason, 'cert_verify_failed');
  }
});

test('no line of the OpenSMTPD corpus is left unparsed', () => {
  const d = createDispatcher('opensmtpd', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
  for (const e of OPENSMTPD) {
    for (const file of filesOf(e)) {
      for (const line of linesOf(readFileSync(corpusPath(file), 'utf8'))) {
        assert.is.not(d.push(line).status, 'unparsed', line);
      }
    }
  }
});

test('program smtpd is OpenSMTPD; postfix/smtpd is not', () => {
  assert.ok(opensmtpdFormat.ownsProgram('smtpd'));
  assert.not.ok(opensmtpdFormat.ownsProgram('postfix/smtpd'));
  assert.not.ok(opensmtpdFormat.ownsProgram('smtpd-in'));
  assert.equal(replayLines(['Nov 23 04:00:00 vm postfix/smtpd[1]: 4050fc0be0a17ec1 smtp tls ciphers=TLSv1.3:X:256'], 'opensmtpd'), []);
});

// ---- version drift (log-formats.md §4; OpenSMTPD smtp_session.c / mta_session.c of each release) ----

const at = (msg: string): string => `Nov 23 04:00:00 ix smtpd[22421]: ${msg}`;

type Row = [string, string, string?, string?, string?];

function rows(lines: string[]): Row[] {
  return replayLines(lines.map(at), 'auto').map((o) =>
    o.kind === 'handshake' ? [o.direction, o.peer, o.protocol, o.cipher, o.trust] : [o.direction, o.peer, o.reason],
  );
}

test('5.4–5.9: Started TLS on session …', () => {
  assert.equal(
    rows([
      'smtp-in: New session 427e749c2e46f809 from host mail.example [192.0.2.1]',
      'smtp-in: Started TLS on session 427e749c2e46f809: version=TLSv1.2, cipher=EDH-RSA-DES-CBC3-SHA, bits=112',
      'smtp-in: Closing session 427e749c2e46f809',
      'smtp-in: New session 427e7497e03518ef from host <unknown> [192.0.2.2]',
      'smtp-in: Disconnecting session 427e7497e03518ef: IO error: No SSL error',
      'smtp-out: Connecting to smtp+tls://192.0.2.9:25 (mx.example.org) on session 5a5a5a5a5a5a5a5a...',
      'smtp-out: Started TLS on session 5a5a5a5a5a5a5a5a: version=TLSv1.2, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256',
      'smtp-out: Server certificate verification succeeded on session 5a5a5a5a5a5a5a5a',
      'smtp-out: Connecting to smtp://192.0.2.10:25 (mx.example.net) on session 6b6b6b6b6b6b6b6b...',
      'smtp-out: TLS Error on session 6b6b6b6b6b6b6b6b: TLS failed, downgrading to plain',
    ]),
    [
      ['inbound', 'mail.example[192.0.2.1]', 'TLSv1.2', 'EDH-RSA-DES-CBC3-SHA', 'anonymous'],
      ['inbound', '[192.0.2.2]', 'lost_connection'],
      ['outbound', 'mx.example.org[192.0.2.9]', 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 'verified'],
      ['outbound', 'mx.example.net[192.0.2.10]', 'other'],
    ],
  );
});

test('5.7: session …: TLS started', () => {
  assert.equal(
    rows([
      'smtp-in: session 1111111111111111: connection from host mail.example [192.0.2.3] established',
      'smtp-in: session 1111111111111111: TLS started version=TLSv1.2, cipher=ECDHE-RSA-AES128-GCM-SHA256, bits=128',
      'smtp-in: session 1111111111111111: client certificate verification failed ',
      'smtp-in: session 2222222222222222: connection from host mail.example [192.0.2.4] established',
      'smtp-in: session 2222222222222222: connection from host mail.example [192.0.2.4] closed (IO error: error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher)',
    ]),
    [
      ['inbound', 'mail.example[192.0.2.3]', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'untrusted'],
      ['inbound', 'mail.example[192.0.2.4]', 'no_shared_cipher'],
    ],
  );
});

test('6.0 (event=) and 6.4 (address= host= on every line)', () => {
  assert.equal(
    rows([
      '3333333333333333 smtp event=connected address=192.0.2.5 host=mail.example',
      '3333333333333333 smtp event=starttls address=192.0.2.5 host=mail.example ciphers="version=TLSv1.2, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256"',
      '3333333333333333 smtp event=client-cert-check address=192.0.2.5 host=mail.example result="success"',
      '4444444444444444 smtp connected address=192.0.2.6 host=mail.example',
      '4444444444444444 smtp starttls address=192.0.2.6 host=mail.example ciphers="version=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256"',
      '4444444444444444 smtp disconnected address=192.0.2.6 host=mail.example reason=quit',
      '5555555555555555 mta connecting address=smtp+tls://192.0.2.7:25 host=mx.example.org',
      '5555555555555555 mta starttls ciphers=version=TLSv1.2, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256',
      'smtp-out: Server certificate verification failed on session 5555555555555555',
      '6666666666666666 smtp connected address=192.0.2.8 host=mail.example',
      '6666666666666666 smtp disconnected address=192.0.2.8 host=mail.example reason="io-error: No TLS error"',
    ]),
    [
      ['inbound', 'mail.example[192.0.2.5]', 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 'verified'],
      ['inbound', 'mail.example[192.0.2.6]', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'anonymous'],
      ['outbound', 'mx.example.org[192.0.2.7]', 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 'untrusted'],
      ['inbound', 'mail.example[192.0.2.8]', 'lost_connection'],
    ],
  );
});

test('6.7/6.8: a client certificate refused after the handshake', () => {
  assert.equal(
    rows([
      '7777777777777777 smtp connected address=192.0.2.9 host=mail.example',
      '7777777777777777 smtp tls ciphers=TLSv1.3:TLS_AES_256_GCM_SHA384:256',
      '7777777777777777 smtp disconnected  reason=cert-invalid',
      '8888888888888888 smtp connected address=192.0.2.10 host=mail.example',
      '8888888888888888 smtp tls ciphers=TLSv1.3:TLS_AES_256_GCM_SHA384:256',
      '8888888888888888 smtp disconnected  reason=no-client-cert',
    ]).map((r) => r.slice(0, 3)),
    [
      ['inbound', 'mail.example[192.0.2.9]', 'cert_verify_failed'],
      ['inbound', 'mail.example[192.0.2.10]', 'cert_untrusted'],
    ],
  );
  const out = replayLines(
    ['7777777777777777 smtp tls ciphers=TLSv1.3:TLS_AES_256_GCM_SHA384:256', '7777777777777777 smtp disconnected  reason=cert-invalid'].map(at),
    'opensmtpd',
  );
  assert.is((out[0] as FailureOutcome).protocol, 'TLSv1.3');
  assert.is((out[0] as FailureOutcome).trust, 'untrusted');
});

test('7.x (libtls): cert-check lines and handshake failed: … errors', () => {
  assert.equal(
    rows([
      'f274cf34b7d0786b smtp connected address=192.0.2.11 host=mail.example',
      'f274cf34b7d0786b smtp tls ciphers=TLSv1.3:TLS_AES_256_GCM_SHA384:256',
      'f274cf34b7d0786b smtp cert-check result="verified" fingerprint="SHA256:abcdef"',
      'a000000000000001 smtp connected address=[2001:db8::1] host=<unknown>',
      'a000000000000001 smtp disconnected reason="io-error: handshake failed: error:0A0000C1:SSL routines::no shared cipher"',
      'a000000000000002 smtp connected address=192.0.2.12 host=mail.example',
      'a000000000000002 smtp disconnected reason="io-error: handshake failed: unexpected EOF"',
      'a000000000000003 smtp connected address=192.0.2.13 host=mail.example',
      'a000000000000003 smtp disconnected reason=tls-accept-failed',
      '5df87c9ffd0e785d mta connecting address=smtp://192.0.2.14:25 host=mx.example.org',
      '5df87c9ffd0e785d mta connected',
      '5df87c9ffd0e785d mta tls ciphers=TLSv1.2:ECDHE-RSA-CHACHA20-POLY1305:256',
      '5df87c9ffd0e785d mta cert-check result="unverified" fingerprint="SHA256:0123"',
      'b000000000000001 mta connecting address=smtp+tls://192.0.2.15:25 host=mx.example.net',
      'b000000000000001 mta tls ciphers=TLSv1.3:TLS_AES_128_GCM_SHA256:128',
      'b000000000000001 smtp cert-check result="no certificate presented"',
      'b000000000000002 mta connecting address=smtp+tls://[2001:db8::2]:25 host=mx.example.com',
      "b000000000000002 mta error reason=IO Error: name `mx.example.com' not present in server certificate",
      '283b39764f0a208c mta connecting address=smtp+tls://192.0.2.16:25 host=mx.example.info',
      '283b39764f0a208c mta error reason=IO Error: error:1404B410:SSL routines:ST_CONNECT:sslv3 alert handshake failure',
      'b000000000000003 mta connecting address=smtp+tls://192.0.2.17:25 host=mx.example.biz',
      'b000000000000003 mta error reason=STARTTLS rejected: 454 4.7.0 TLS not available',
      'b000000000000004 mta connecting address=smtp+tls://192.0.2.18:25 host=mx.example.io',
      'b000000000000004 mta closing reason=tls-connect-failed',
    ]),
    [
      ['inbound', 'mail.example[192.0.2.11]', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'verified'],
      ['inbound', '[2001:db8::1]', 'no_shared_cipher'],
      ['inbound', 'mail.example[192.0.2.12]', 'lost_connection'],
      ['inbound', 'mail.example[192.0.2.13]', 'local_config'],
      ['outbound', 'mx.example.org[192.0.2.14]', 'TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305', 'untrusted'],
      ['outbound', 'mx.example.net[192.0.2.15]', 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'anonymous'],
      ['outbound', 'mx.example.com[2001:db8::2]', 'cert_hostname_mismatch'],
      ['outbound', 'mx.example.info[192.0.2.16]', 'no_shared_cipher'],
      ['outbound', 'mx.example.biz[192.0.2.17]', 'starttls_rejected'],
      ['outbound', 'mx.example.io[192.0.2.18]', 'local_config'],
    ],
  );
});

test('one outcome per attempt: post-handshake errors, downgrades and errors after mail add nothing more', () => {
  assert.equal(
    rows([
      'c000000000000001 smtp connected address=192.0.2.20 host=mail.example',
      'c000000000000001 smtp tls ciphers=TLSv1.3:TLS_AES_256_GCM_SHA384:256',
      'c000000000000001 smtp message msgid=ba294664 size=435 nrcpt=1 proto=ESMTP',
      'c000000000000001 smtp disconnected reason="io-error: error:0A000126:SSL routines::unexpected eof while reading"',
      'c000000000000002 mta connecting address=smtp://192.0.2.21:25 host=mx.example.org',
      'smtp-out: Error on session c000000000000002: opportunistic TLS failed, downgrading to plain',
      'c000000000000002 mta connecting address=smtp+notls://192.0.2.21:25 host=mx.example.org',
      'c000000000000002 mta connected',
      'c000000000000002 mta delivery evpid=1b2cb8926574b780 from=<a@b> to=<c@d> rcpt=<-> source="127.0.0.1" relay="192.0.2.21 (mx.example.org)" delay=0s result="Ok" stat="250 Ok"',
      'c000000000000003 mta connecting address=smtp://192.0.2.22:25 host=mx.example.net',
      'c000000000000003 mta tls ciphers=TLSv1.3:TLS_AES_256_GCM_SHA384:256',
      'c000000000000003 mta server-cert-check result="success"',
      'smtp-out: Error on session c000000000000003 after 1 message sent: IO Error: error:0A000126:SSL routines::unexpected eof while reading',
      'c000000000000004 smtp connected address=192.0.2.23 host=mail.example',
      'c000000000000004 smtp disconnected reason=timeout',
    ]),
    [
      ['inbound', 'mail.example[192.0.2.20]', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'anonymous'],
      ['outbound', 'mx.example.org[192.0.2.21]', 'other'],
      ['outbound', 'mx.example.net[192.0.2.22]', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'verified'],
    ],
  );
});

// ---- state ----

function push(p: MtaParser, lines: string[]): Outcome[] {
  const out: Outcome[] = [];
  for (const l of lines) out.push(...p.push(parseSyslogLine(at(l), CORPUS_NOW)!).outcomes);
  return out;
}

test('a handshake waiting for its certificate check survives snapshot/restore', () => {
  const a = opensmtpdFormat.create(DEFAULT_PARSER_OPTIONS);
  assert.equal(push(a, ['d000000000000001 mta connecting address=smtp://192.0.2.30:25 host=mx', 'd000000000000001 mta tls ciphers=TLSv1.3:T:256']), []);
  const b = opensmtpdFormat.create(DEFAULT_PARSER_OPTIONS);
  b.restore(JSON.parse(JSON.stringify(a.snapshot())));
  const out = push(b, ['d000000000000001 mta error reason=SSL certificate check failed']);
  assert.equal(out.map((o) => [o.kind, o.peer, (o as FailureOutcome).reason, (o as FailureOutcome).protocol]), [
    ['failure', 'mx[192.0.2.30]', 'cert_verify_failed', 'TLSv1.3'],
  ]);
  const c = opensmtpdFormat.create(DEFAULT_PARSER_OPTIONS);
  c.restore({ v: 1, sessions: [['|x', { dir: 'sideways', peer: '', last: 1 }], 17] });
  assert.equal(c.snapshot(), { v: 1, sessions: [] });
});

test('sessions end at disconnect, are capped, and a pending handshake is emitted when closed', () => {
  const a = opensmtpdFormat.create(DEFAULT_PARSER_OPTIONS);
  push(a, ['e000000000000001 smtp connected address=192.0.2.40 host=h', 'e000000000000001 smtp disconnected reason=quit']);
  assert.equal(a.snapshot(), { v: 1, sessions: [] });
  const b = opensmtpdFormat.create({ sessionTtlMs: 60_000, maxSessions: 2 });
  const evicted = push(b, [
    'e000000000000002 smtp tls ciphers=TLSv1.3:T:256',
    'e000000000000003 smtp connected address=192.0.2.41 host=h',
    'e000000000000004 smtp connected address=192.0.2.42 host=h',
  ]);
  assert.equal(evicted.map((o) => o.kind), ['handshake']);
  assert.is((b.snapshot() as { sessions: unknown[] }).sessions.length, 2);
  assert.equal(b.drain(), []);
});

test.run();
