import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { postfixFormat } from '../../../src/logs/parsers/postfix.js';
import { parseSyslogLine } from '../../../src/logs/parsers/syslog.js';
import { DEFAULT_PARSER_OPTIONS } from '../../../src/logs/parsers/types.js';
import type { FailureOutcome, HandshakeOutcome, LogLine, Outcome, ParserOptions } from '../../../src/logs/parsers/types.js';
import { assertManifestOutcome, filesOf } from '../../helpers/manifest-outcome.js';
import { CORPUS_NOW, corpusPath, linesOf, manifest, replayFile, replayLines } from '../../helpers/corpus.js';

const POSTFIX = manifest().filter((e) => e.mta === 'postfix');

/** The manifest's `cert_verify_failed` is the coarse class of every certificate verdict. */

/** What the X509 text of these files says, beyond the manifest's coarse class. */
const REFINED: Record<string, string> = {
  'postfix/out10a_cert_untrusted_verify.log': 'cert_untrusted', // self-signed certificate
  'postfix/out10b_cert_wrong_name_secure.log': 'cert_hostname_mismatch', // num=62:hostname mismatch
};


function withoutTime(o: Outcome): Omit<Outcome, 'time'> {
  const { time: _time, ...rest } = o;
  return rest;
}

test('the manifest lists the Postfix files', () => {
  assert.ok(POSTFIX.length >= 30);
  assert.ok(POSTFIX.some((e) => e.file.includes('__loglevel0')));
  assert.ok(POSTFIX.some((e) => e.file.includes('__loglevel2')));
  assert.ok(POSTFIX.some((e) => e.file.includes('__maillog_file')));
});

for (const e of POSTFIX) {
  for (const file of filesOf(e)) {
    test(`manifest: ${file}`, () => {
      const out = replayFile(corpusPath(file), 'postfix');
      assertManifestOutcome(e, out, { refined: REFINED[file], sessionFieldsWhenGiven: true });
    });
  }
}

test('the refined certificate reasons belong to manifest entries', () => {
  for (const file of Object.keys(REFINED)) {
    const e = POSTFIX.find((x) => x.file === file);
    assert.ok(e, file);
    assert.is(e!.expected.reason, 'cert_verify_failed');
  }
});

test('no line of the Postfix corpus is left unparsed', () => {
  const parser = postfixFormat.create(DEFAULT_PARSER_OPTIONS);
  let tlsLines = 0;
  for (const e of POSTFIX) {
    for (const file of filesOf(e)) {
      for (const raw of linesOf(readFileSync(corpusPath(file), 'utf8'))) {
        const line = parseSyslogLine(raw, CORPUS_NOW);
        assert.ok(line, raw);
        if (!postfixFormat.ownsProgram(line!.program)) continue;
        if (/TLS|SSL|certificate/.test(line!.message)) tlsLines++;
        assert.is(parser.push(line!).unparsed, false, raw);
      }
    }
  }
  assert.ok(tlsLines > 50);
});

// --- single lines and short sequences ------------------------------------------------------------

const at = (prog: string, pid: number, msg: string, time = 'Feb 25 21:57:22'): string => `${time} mail ${prog}[${pid}]: ${msg}`;

function one(lines: string[]): Outcome {
  const out = replayLines(lines, 'postfix');
  assert.is(out.length, 1, JSON.stringify(out));
  return out[0]!;
}

function failure(lines: string[]): FailureOutcome {
  const o = one(lines);
  assert.is(o.kind, 'failure', JSON.stringify(o));
  return o as FailureOutcome;
}

function handshake(lines: string[]): HandshakeOutcome {
  const o = one(lines);
  assert.is(o.kind, 'handshake', JSON.stringify(o));
  return o as HandshakeOutcome;
}

test('OpenSSL 1.0 inbound failure (docker-mailserver#620)', () => {
  const f = failure([
    at('postfix/smtpd', 5982, 'connect from d5152ddd0.static.telenet.be[81.82.221.208]'),
    at('postfix/smtpd', 5982, 'SSL_accept error from d5152ddd0.static.telenet.be[81.82.221.208]: -1'),
    at('postfix/smtpd', 5982, 'warning: TLS library problem: error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1417:'),
    at('postfix/smtpd', 5982, 'lost connection after STARTTLS from d5152ddd0.static.telenet.be[81.82.221.208]'),
    at('postfix/smtpd', 5982, 'disconnect from d5152ddd0.static.telenet.be[81.82.221.208] ehlo=1 starttls=0/1 commands=1/2'),
  ]);
  assert.equal(
    { reason: f.reason, direction: f.direction, peer: f.peer },
    { reason: 'no_shared_cipher', direction: 'inbound', peer: 'd5152ddd0.static.telenet.be[81.82.221.208]' },
  );
});

test('OpenSSL 1.1.1 and 3.x library lines', () => {
  const seq = (lib: string): string[] => [
    at('postfix/smtpd', 77, 'connect from unknown[192.0.2.7]'),
    at('postfix/smtpd', 77, 'SSL_accept error from unknown[192.0.2.7]: -1'),
    at('postfix/smtpd', 77, `warning: TLS library problem: ${lib}`),
    at('postfix/smtpd', 77, 'lost connection after STARTTLS from unknown[192.0.2.7]'),
    at('postfix/smtpd', 77, 'disconnect from unknown[192.0.2.7] ehlo=1 starttls=0/1 commands=1/2'),
  ];
  assert.is(
    failure(seq('error:14209102:SSL routines:tls_early_post_process_client_hello:unsupported protocol:ssl/statem/statem_srvr.c:1686:')).reason,
    'protocol_version',
  );
  assert.is(
    failure(seq('error:1417D18C:SSL routines:tls_process_client_hello:version too low:../ssl/statem/statem_srvr.c:989:')).reason,
    'protocol_version',
  );
  assert.is(failure(seq('error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:')).reason, 'protocol_version');
});

test('wrapper mode: unexpected eof, lost connection after CONNECT, no disconnect (iRedMail#209)', () => {
  const f = failure([
    at('postfix/smtps/smtpd', 9, 'connect from mail.xgpuc.com[127.0.0.1]'),
    at('postfix/smtps/smtpd', 9, 'SSL_accept error from mail.xgpuc.com[127.0.0.1]: -1'),
    at('postfix/smtps/smtpd', 9, 'warning: TLS library problem: error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:308:'),
    at('postfix/smtps/smtpd', 9, 'lost connection after CONNECT from mail.xgpuc.com[127.0.0.1]'),
  ]);
  assert.is(f.reason, 'lost_connection');
  assert.is(f.peer, 'mail.xgpuc.com[127.0.0.1]');
});

test('errno texts of the SSL error line', () => {
  const seq = (detail: string): string[] => [
    at('postfix/smtpd', 8, `SSL_accept error from scanner-06.ch1.censys-scanner.com[167.94.138.43]: ${detail}`),
    at('postfix/smtpd', 8, 'lost connection after STARTTLS from scanner-06.ch1.censys-scanner.com[167.94.138.43]'),
    at('postfix/smtpd', 8, 'disconnect from scanner-06.ch1.censys-scanner.com[167.94.138.43] ehlo=1 starttls=0/1 commands=1/2'),
  ];
  assert.is(failure(seq('Connection reset by peer')).reason, 'lost_connection');
  assert.is(failure(seq('lost connection')).reason, 'lost_connection');
  assert.is(failure(seq('Connection timed out')).reason, 'timeout');
  // `-1` with an empty error queue: the session end is the best hint.
  assert.is(failure(seq('-1')).reason, 'lost_connection');
  assert.is(failure(seq('Permission denied')).reason, 'lost_connection');
});

test('outbound: wrong version number (bokysan/docker-postfix#221)', () => {
  const f = failure([
    at('postfix/smtp', 1204, 'SSL_connect error to smtp.gmail.com[142.250.110.108]:587: -1'),
    at('postfix/smtp', 1204, 'warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:'),
    at('postfix/smtp', 1204, '4F1C52: to=<a@example.org>, relay=smtp.gmail.com[142.250.110.108]:587, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)'),
  ]);
  assert.equal(
    { reason: f.reason, direction: f.direction, peer: f.peer },
    { reason: 'non_tls_data', direction: 'outbound', peer: 'smtp.gmail.com[142.250.110.108]' },
  );
});

test('outbound: Cannot start TLS on its own line (blog.jj5.net, 2012)', () => {
  const f = failure([
    at('postfix/smtp', 8555, 'SSL_connect error to 127.0.0.1[127.0.0.1]:10025: -1'),
    at('postfix/smtp', 8555, 'B97C42542CE: Cannot start TLS: handshake failure'),
  ]);
  assert.is(f.reason, 'other');
  assert.is(f.peer, '127.0.0.1[127.0.0.1]');
});

test('outbound: Trusted + Server certificate not verified is a name mismatch (serverfault 759985)', () => {
  const f = failure([
    at('postfix/smtp', 25291, 'Trusted TLS connection established to in1-smtp.messagingengine.com[66.111.4.74]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)'),
    at('postfix/smtp', 25291, 'D33A02504112: to=<u@example.org>, relay=in1-smtp.messagingengine.com[66.111.4.74]:25, delay=8.4, delays=0.02/0/8.4/0, dsn=4.7.5, status=deferred (Server certificate not verified)'),
  ]);
  assert.equal(
    { reason: f.reason, protocol: f.protocol, cipher: f.cipher, trust: f.trust, peer: f.peer },
    {
      reason: 'cert_hostname_mismatch',
      protocol: 'TLSv1.2',
      cipher: 'ECDHE-RSA-AES256-GCM-SHA384',
      trust: 'trusted',
      peer: 'in1-smtp.messagingengine.com[66.111.4.74]',
    },
  );
});

test('outbound: untrusted issuer + Server certificate not trusted, counted once (bokysan/docker-postfix#51)', () => {
  const f = failure([
    at('postfix/smtp', 138, 'certificate verification failed for gmail-smtp-in.l.google.com[108.177.126.26]:25: untrusted issuer /OU=GlobalSign Root CA - R2/O=GlobalSign/CN=GlobalSign'),
    at('postfix/smtp', 138, 'Untrusted TLS connection established to gmail-smtp-in.l.google.com[108.177.126.26]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256'),
    at('postfix/smtp', 138, '3C1D8C1D28: Server certificate not trusted'),
    at('postfix/smtp', 138, '3C1D8C1D28: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[108.177.126.26]:25, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (Server certificate not trusted)'),
    at('postfix/smtp', 138, '3C1D8C1D28: to=<b@gmail.com>, relay=gmail-smtp-in.l.google.com[108.177.126.26]:25, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (Server certificate not trusted)'),
  ]);
  assert.is(f.reason, 'cert_untrusted');
  assert.is(f.trust, 'untrusted');
});

test('outbound: expired certificate, and no cause logged', () => {
  const expired = failure([
    at('postfix/smtp', 31, 'server certificate verification failed for mx.example.net[203.0.113.5]:25: certificate has expired'),
    at('postfix/smtp', 31, 'Untrusted TLS connection established to mx.example.net[203.0.113.5]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)'),
    at('postfix/smtp', 31, 'AB12CD34: to=<a@example.net>, relay=mx.example.net[203.0.113.5]:25, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (Server certificate not verified)'),
  ]);
  assert.is(expired.reason, 'cert_expired');
  const unknown = failure([
    at('postfix/smtp', 32, 'AB12CD35: to=<a@example.net>, relay=mx.example.net[203.0.113.5]:25, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (Server certificate not verified)'),
  ]);
  assert.is(unknown.reason, 'cert_verify_failed');
  assert.is(unknown.protocol, undefined);
});

test('outbound: a summary followed by a delivery is a handshake (postfix-grok-patterns#197)', () => {
  const h = handshake([
    at('postfix/smtp', 4242, 'Untrusted TLS connection established to gmail-smtp-in.l.google.com[74.125.128.27]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256'),
    at('postfix/smtp', 4242, '0A1B2C3D4E: to=<x@gmail.com>, relay=gmail-smtp-in.l.google.com[74.125.128.27]:25, delay=0.9, delays=0/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 OK)'),
    at('postfix/smtp', 4242, '0A1B2C3D4E: to=<y@gmail.com>, relay=gmail-smtp-in.l.google.com[74.125.128.27]:25, delay=0.9, delays=0/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 OK)'),
  ]);
  assert.equal(withoutTime(h), {
    kind: 'handshake',
    mta: 'postfix',
    direction: 'outbound',
    peer: 'gmail-smtp-in.l.google.com[74.125.128.27]',
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    trust: 'untrusted',
  });
});

test('inbound summaries: key-exchange suffixes, SNI, missing digest, raw public key', () => {
  const cases: [string, string, string, string][] = [
    // kumina/postfix_exporter PR#58
    [
      'Anonymous TLS connection established from host.example.com[1.2.3.4]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256',
      'host.example.com[1.2.3.4]',
      'TLS_AES_256_GCM_SHA384',
      'anonymous',
    ],
    // docker-mailserver#3351, wrapper mode
    [
      'Anonymous TLS connection established from unknown[198.51.100.4]: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)',
      'unknown[198.51.100.4]',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'anonymous',
    ],
    [
      'Trusted TLS connection established from client.example.org[2001:db8::25] to mail.example.org: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature ED25519 client-signature ECDSA (P-256) client-digest SHA256',
      'client.example.org[2001:db8::25]',
      'TLS_AES_128_GCM_SHA256',
      'trusted',
    ],
    [
      'Untrusted TLS connection established from c.example[192.0.2.9]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256 raw public key) server-digest SHA256',
      'c.example[192.0.2.9]',
      'TLS_AES_256_GCM_SHA384',
      'untrusted',
    ],
  ];
  for (const [msg, peer, cipher, trust] of cases) {
    const h = handshake([at('postfix/submission/smtpd', 21250, msg)]);
    assert.equal([h.direction, h.peer, h.cipher, h.trust], ['inbound', peer, cipher, trust], msg);
  }
});

test('Postfix 2.2 – 2.4 summaries without a trust word', () => {
  const inbound = handshake([
    at('postfix/smtpd', 11, 'TLS connection established from mail.example.com[192.0.2.1]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)'),
  ]);
  assert.equal([inbound.direction, inbound.trust, inbound.protocol], ['inbound', 'anonymous', 'TLSv1']);
  const outbound = handshake([
    at('postfix/smtp', 12, 'TLS connection established to mx.example.com: TLSv1 with cipher RC4-SHA (128/128 bits)'),
    at('postfix/smtp', 12, '9F8E7D6C5B: to=<a@example.com>, relay=mx.example.com[192.0.2.2]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (250 ok)'),
  ]);
  assert.equal([outbound.direction, outbound.trust, outbound.peer], ['outbound', 'untrusted', 'mx.example.com']);
});

test('reused connections and protocol spelling', () => {
  const h = handshake([
    at('postfix-out/smtp', 13, 'Verified TLS connection reused to mx.example.org[192.0.2.3]:25: TLSv1.2 with cipher ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits)'),
    at('postfix-out/smtp', 13, '5A4B3C2D1E: to=<a@example.org>, relay=mx.example.org[192.0.2.3]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (250 ok)'),
  ]);
  assert.equal([h.trust, h.direction, h.protocol], ['verified', 'outbound', 'TLSv1.2']);
  const odd = handshake([at('postfix/smtpd', 14, 'Anonymous TLS connection established from a[192.0.2.4]: TLSv1.0 with cipher AES256-SHA (256/256 bits)')]);
  assert.is(odd.protocol, 'TLSv1');
  const unknown = handshake([at('postfix/smtpd', 15, 'Anonymous TLS connection established from a[192.0.2.4]: DTLSv1.2 with cipher AES256-SHA (256/256 bits)')]);
  assert.is(unknown.protocol, 'DTLSv1.2');
});

test('delivery verdicts without a handshake', () => {
  const status = (text: string, qid = '1A2B3C4D5E'): string =>
    at('postfix/smtp', 20, `${qid}: to=<a@example.net>, relay=mx.example.net[203.0.113.9]:25, delay=1, delays=0/0/1/0, dsn=4.7.4, status=deferred (${text})`);
  const reasonOf = (text: string): string => failure([status(text)]).reason;
  assert.is(reasonOf('TLS is required, but was not offered by host mx.example.net[203.0.113.9]'), 'starttls_not_offered');
  assert.is(
    reasonOf('TLS is required, but host mx.example.net[203.0.113.9] refused to start TLS: 454 4.7.0 TLS not available due to local problem'),
    'starttls_rejected',
  );
  assert.is(reasonOf('TLS is required, but our TLS engine is unavailable'), 'local_config');
  assert.is(reasonOf('TLS is required, but unavailable'), 'local_config');
  assert.is(reasonOf('lost connection with mx.example.net[203.0.113.9] while receiving the STARTTLS response'), 'lost_connection');
  assert.is(reasonOf('conversation with mx.example.net[203.0.113.9] timed out while receiving the STARTTLS response'), 'timeout');
  assert.is(failure([status('TLS is required, but was not offered by host mx.example.net[203.0.113.9]')]).peer, 'mx.example.net[203.0.113.9]');
  assert.equal(replayLines([status('host mx.example.net[203.0.113.9] said: 450 try later (in reply to RCPT TO command)')], 'postfix'), []);
});

test('one failure per recipient list, one per MX host', () => {
  const sameQueueFile = replayLines(
    ['a', 'b', 'c'].map((r) =>
      at('postfix/smtp', 21, `6F5E4D3C2B: to=<${r}@example.net>, relay=mx[203.0.113.9]:25, delay=1, delays=0/0/1/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx[203.0.113.9])`),
    ),
    'postfix',
  );
  assert.is(sameQueueFile.length, 1);
  const twoHosts = replayLines(
    [
      at('postfix/smtp', 22, 'SSL_connect error to mx1.example.net[203.0.113.1]:25: -1'),
      at('postfix/smtp', 22, 'warning: TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:'),
      at('postfix/smtp', 22, '7A6B5C4D3E: Cannot start TLS: handshake failure'),
      at('postfix/smtp', 22, 'SSL_connect error to mx2.example.net[203.0.113.2]:25: Connection reset by peer'),
      at('postfix/smtp', 22, '7A6B5C4D3E: to=<a@example.net>, relay=mx2.example.net[203.0.113.2]:25, delay=2, delays=0/0/2/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)'),
      at('postfix/smtp', 22, '7A6B5C4D3E: to=<b@example.net>, relay=mx2.example.net[203.0.113.2]:25, delay=2, delays=0/0/2/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)'),
    ],
    'postfix',
  );
  assert.equal(
    twoHosts.map((o) => [o.kind === 'failure' ? o.reason : o.kind, o.peer]),
    [
      ['no_shared_cipher', 'mx1.example.net[203.0.113.1]'],
      ['lost_connection', 'mx2.example.net[203.0.113.2]'],
    ],
  );
});

test('a failed handshake followed by a plaintext retry is one failure', () => {
  const f = failure([
    at('postfix/smtp', 23, 'SSL_connect error to mx[203.0.113.3]:25: -1'),
    at('postfix/smtp', 23, 'warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:'),
    at('postfix/smtp', 23, '8B7C6D5E4F: to=<a@example.net>, relay=mx[203.0.113.3]:25, delay=2, delays=0/0/2/0, dsn=2.0.0, status=sent (250 ok)'),
  ]);
  assert.is(f.reason, 'non_tls_data');
});

test('loglevel-2 alert lines are hints when the library says nothing', () => {
  const f = failure([
    at('postfix/smtp', 24, 'SSL_connect:SSLv3/TLS write client hello'),
    at('postfix/smtp', 24, 'SSL3 alert read:fatal:handshake failure'),
    at('postfix/smtp', 24, 'SSL_connect:error in error'),
    at('postfix/smtp', 24, 'SSL_connect error to mx[203.0.113.4]:25: -1'),
    at('postfix/smtp', 24, '9C8D7E6F5A: to=<a@example.net>, relay=mx[203.0.113.4]:25, delay=2, delays=0/0/2/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)'),
  ]);
  assert.is(f.reason, 'no_shared_cipher');
});

test('starttls counters without other lines (loglevel 0)', () => {
  const conn = (pid: number, extra: string[], counters: string): string[] => [
    at('postfix/smtpd', pid, 'connect from unknown[192.0.2.50]'),
    ...extra.map((m) => at('postfix/smtpd', pid, m)),
    at('postfix/smtpd', pid, `disconnect from unknown[192.0.2.50] ${counters}`),
  ];
  assert.equal(replayLines(conn(30, [], 'ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=6'), 'postfix'), []);
  assert.equal(replayLines(conn(31, [], 'ehlo=1 quit=1 commands=2'), 'postfix'), []);
  assert.is(failure(conn(32, [], 'ehlo=1 starttls=0/1 commands=1/2')).reason, 'other');
  assert.is(failure(conn(33, ['lost connection after STARTTLS from unknown[192.0.2.50]'], 'ehlo=1 starttls=0/1 commands=1/2')).reason, 'lost_connection');
  assert.is(failure(conn(34, ['timeout after STARTTLS from unknown[192.0.2.50]'], 'ehlo=1 starttls=0/1 commands=1/2')).reason, 'timeout');
  // A handshake that succeeded unlogged, then the client vanished before its next command.
  assert.equal(replayLines(conn(35, ['lost connection after STARTTLS from unknown[192.0.2.50]'], 'ehlo=1 starttls=1 commands=2'), 'postfix'), []);
  // Before Postfix 3.0 there are no counters: the line alone is the failure.
  assert.is(failure(conn(36, ['lost connection after STARTTLS from unknown[192.0.2.50]'], '')).reason, 'lost_connection');
});

test('library problems after a handshake are not handshake failures', () => {
  const out = replayLines(
    [
      at('postfix/smtpd', 40, 'connect from a[192.0.2.60]'),
      at('postfix/smtpd', 40, 'Anonymous TLS connection established from a[192.0.2.60]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)'),
      at('postfix/smtpd', 40, 'warning: TLS library problem: error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:308:'),
      at('postfix/smtpd', 40, 'lost connection after DATA (0 bytes) from a[192.0.2.60]'),
      at('postfix/smtpd', 40, 'disconnect from a[192.0.2.60] ehlo=2 starttls=1 mail=1 rcpt=1 data=0/1 commands=5/6'),
    ],
    'postfix',
  );
  assert.equal(out.map((o) => o.kind), ['handshake']);
});

test('a reused smtpd process: a failure left open is settled by the next connect', () => {
  const out = replayLines(
    [
      at('postfix/smtpd', 41, 'connect from a[192.0.2.61]'),
      at('postfix/smtpd', 41, 'SSL_accept error from a[192.0.2.61]: -1'),
      at('postfix/smtpd', 41, 'warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:'),
      at('postfix/smtpd', 41, 'connect from b[192.0.2.62]'),
      at('postfix/smtpd', 41, 'Anonymous TLS connection established from b[192.0.2.62]: TLSv1.2 with cipher AES256-SHA (256/256 bits)'),
      at('postfix/smtpd', 41, 'disconnect from b[192.0.2.62] ehlo=2 starttls=1 quit=1 commands=4'),
    ],
    'postfix',
  );
  assert.equal(
    out.map((o) => [o.kind, o.peer]),
    [
      ['failure', 'a[192.0.2.61]'],
      ['handshake', 'b[192.0.2.62]'],
    ],
  );
});

test('processes are told apart by host and program, not by pid alone', () => {
  const line = (host: string, prog: string, msg: string) => `Nov 23 03:11:31 ${host} ${prog}[700]: ${msg}`;
  const out = replayLines(
    [
      line('mx1', 'postfix/smtpd', 'SSL_accept error from a[192.0.2.1]: -1'),
      line('mx2', 'postfix/smtpd', 'SSL_accept error from b[192.0.2.2]: -1'),
      line('mx1', 'postfix/strict/smtpd', 'SSL_accept error from c[192.0.2.3]: Connection reset by peer'),
      line('mx2', 'postfix/smtpd', 'warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:'),
      line('mx1', 'postfix/smtpd', 'warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:'),
      line('mx1', 'postfix/strict/smtpd', 'disconnect from c[192.0.2.3] ehlo=1 starttls=0/1 commands=1/2'),
      line('mx2', 'postfix/smtpd', 'disconnect from b[192.0.2.2] ehlo=1 starttls=0/1 commands=1/2'),
      line('mx1', 'postfix/smtpd', 'disconnect from a[192.0.2.1] ehlo=1 starttls=0/1 commands=1/2'),
    ],
    'postfix',
  );
  assert.equal(
    out.map((o) => [o.peer, (o as FailureOutcome).reason]),
    [
      ['c[192.0.2.3]', 'lost_connection'],
      ['b[192.0.2.2]', 'protocol_version'],
      ['a[192.0.2.1]', 'no_shared_cipher'],
    ],
  );
});

test('tlsproxy: summaries at once, failures matched to their handshake-failed line', () => {
  const out = replayLines(
    [
      at('postfix/tlsproxy', 50, 'CONNECT from [192.0.2.70]:41000'),
      at('postfix/tlsproxy', 50, 'Anonymous TLS connection established from [192.0.2.70]:41000: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)'),
      at('postfix/tlsproxy', 50, 'SSL_accept error from [192.0.2.71]:41001: -1'),
      at('postfix/tlsproxy', 50, 'warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:'),
      at('postfix/tlsproxy', 50, 'TLS handshake failed for service=smtpd peer=[192.0.2.71]:41001'),
      at('postfix/tlsproxy', 50, 'DISCONNECT [192.0.2.71]:41001'),
      at('postfix/tlsproxy', 50, 'TLS handshake failed for service=smtpd peer=[192.0.2.72]:41002'),
    ],
    'postfix',
  );
  assert.equal(
    out.map((o) => [o.kind, o.direction, o.peer, o.kind === 'failure' ? o.reason : o.protocol]),
    [
      ['handshake', 'inbound', '[192.0.2.70]', 'TLSv1.3'],
      ['failure', 'inbound', '[192.0.2.71]', 'protocol_version'],
      ['failure', 'inbound', '[192.0.2.72]', 'other'],
    ],
  );
});

test('ownsProgram and the daemon taken from the last path component', () => {
  for (const p of ['postfix/smtpd', 'postfix/smtp', 'postfix-out/smtp', 'postfix/submission/smtpd', 'postfix/strict/smtpd', 'postfix/qmgr', 'postfix']) {
    assert.ok(postfixFormat.ownsProgram(p), p);
  }
  for (const p of ['postfixadmin', 'smtpd', 'sm-mta', 'postfix-policyd', 'exim', 'opendkim']) {
    assert.not.ok(postfixFormat.ownsProgram(p), p);
  }
  const out = replayLines(
    [
      at('postfix-out/smtp', 60, 'SSL_connect error to mx[203.0.113.6]:25: lost connection'),
      at('postfix-out/smtp', 60, 'AAAAAAAAAA: Cannot start TLS: handshake failure'),
      at('postfix/submission/smtpd', 61, 'SSL_accept error from c[192.0.2.80]: lost connection'),
      at('postfix/submission/smtpd', 61, 'disconnect from c[192.0.2.80] ehlo=1 starttls=0/1 commands=1/2'),
      // Not TLS daemons: never a session.
      at('postfix/cleanup', 62, 'SSL_accept error from c[192.0.2.80]: lost connection'),
      at('postfix/qmgr', 63, 'BBBBBBBBBB: to=<a@b>, relay=x[1.2.3.4]:25, status=deferred (TLS is required, but was not offered by host x[1.2.3.4])'),
    ],
    'postfix',
  );
  assert.equal(out.map((o) => o.direction), ['outbound', 'inbound']);
});

// --- unparsed lines ------------------------------------------------------------------------------

function push(msg: string, program = 'postfix/smtpd'): { outcomes: Outcome[]; unparsed: boolean } {
  const p = postfixFormat.create(DEFAULT_PARSER_OPTIONS);
  return p.push({ time: 0, host: 'mx', program, pid: '1', message: msg });
}

test('unparsed: TLS-looking lines of TLS daemons that no rule understood', () => {
  for (const msg of [
    'warning: TLS handshake hiccup from a[192.0.2.1]',
    'some future TLS summary we do not know',
    'SSL_accept trouble from a[192.0.2.1]',
    'peer certificate weirdness from a[192.0.2.1]',
    'TLS connection established somehow',
  ]) {
    assert.ok(push(msg).unparsed, msg);
  }
  assert.ok(push('weird SSL_connect status to b[192.0.2.2]:25', 'postfix/smtp').unparsed);
});

test('understood: ordinary lines and TLS engine chatter', () => {
  const server = [
    'connect from localhost[127.0.0.1]',
    'Anonymous TLS connection established from a[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
    'initializing the server-side TLS engine',
    'setting up TLS connection from localhost[127.0.0.1]',
    'localhost[127.0.0.1]: TLS cipher list "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!kRSA:!SHA1:!aNULL"',
    'SSL_accept:before SSL initialization',
    'SSL_accept:error in error',
    'SSL3 alert write:fatal:handshake failure',
    'SSL3 alert read:warning:close notify',
    'localhost[127.0.0.1]: subject_CN=client.corpus.test, issuer_CN=Corpus Test CA, fingerprint=A2:50, pkey_fingerprint=97:8A',
    'localhost[127.0.0.1]: depth=0 verify=1 subject=/O=Corpus Test/CN=client.corpus.test',
    'localhost[127.0.0.1]: Matched trust anchor at depth 1',
    'TLS SNI mail.example.org from a[192.0.2.1] not matched, using default chain',
    'warning: TLS library problem: error:0909006C:PEM routines:get_name:no start line:crypto/pem/pem_lib.c:745:',
    'warning: cannot get RSA certificate from file "/etc/postfix/missing.pem": disabling TLS support',
    'NOQUEUE: reject: RCPT from a[192.0.2.1]: 530 5.7.0 Must issue a STARTTLS command first; from=<a@b> to=<c@d> proto=ESMTP helo=<x>',
    'NOQUEUE: abort: TLS from a[192.0.2.1]: Client certificate not trusted',
    'improper command pipelining after STARTTLS from a[192.0.2.1]: QUIT',
    'too many errors after STARTTLS from a[192.0.2.1]',
    '4F1C52E0A1: client=a[192.0.2.1], sasl_method=PLAIN, sasl_username=u',
  ];
  for (const msg of server) assert.not.ok(push(msg).unparsed, msg);
  const client = [
    'Host offered STARTTLS: [mx.example.net]',
    'setting up TLS connection to mx.example.net[203.0.113.1]:25',
    'initializing the client-side TLS engine',
    'SSL_connect:SSLv3/TLS write client hello',
    'mx.example.net[203.0.113.1]:25: Matched DANE TA certificate at depth 1: 2 0 1 ABCD',
    'mx.example.net[203.0.113.1]:25: SNI hostname: mx.example.net',
    'warning: mx.example.net[203.0.113.1]:25: all TLSA records unusable, fallback to unauthenticated TLS',
    'looking for session [203.0.113.1]:25&abc in smtp cache',
    '9A8B7C6D5E: host mx.example.net[203.0.113.1] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)',
  ];
  for (const msg of client) assert.not.ok(push(msg, 'postfix/smtp').unparsed, msg);
  // Other Postfix daemons are never asked.
  assert.not.ok(push('some future TLS summary we do not know', 'postfix/qmgr').unparsed);
});

// --- bounded state --------------------------------------------------------------------------------

const T0 = Date.parse('2026-11-23T10:00:00Z');

function lineAt(program: string, pid: string, message: string, time: number): LogLine {
  return { time, host: 'mx', program, pid, message };
}

test('maxSessions: the least recently used session is closed with its best-known outcome', () => {
  const options: ParserOptions = { sessionTtlMs: 60_000, maxSessions: 2 };
  const p = postfixFormat.create(options);
  const fail = (pid: string, t: number) =>
    p.push(lineAt('postfix/smtpd', pid, `SSL_accept error from h${pid}[192.0.2.${pid}]: Connection reset by peer`, t)).outcomes;
  assert.equal(fail('1', T0), []);
  assert.equal(fail('2', T0 + 1), []);
  // Touch session 1 so that 2 becomes the oldest.
  p.push(lineAt('postfix/smtpd', '1', 'lost connection after STARTTLS from h1[192.0.2.1]', T0 + 2));
  const evicted = fail('3', T0 + 3);
  assert.is(evicted.length, 1);
  assert.is(evicted[0]!.peer, 'h2[192.0.2.2]');
  assert.is((evicted[0] as FailureOutcome).reason, 'lost_connection');
  const rest = p.drain();
  assert.equal(rest.map((o) => o.peer).sort(), ['h1[192.0.2.1]', 'h3[192.0.2.3]']);
  assert.equal(p.drain(), []);
});

test('expire: by log time, outbound summaries become handshakes', () => {
  const p = postfixFormat.create({ sessionTtlMs: 60_000, maxSessions: 100 });
  p.push(lineAt('postfix/smtpd', '7', 'SSL_accept error from a[192.0.2.1]: Connection timed out', T0));
  p.push(
    lineAt(
      'postfix/smtp',
      '8',
      'Untrusted TLS connection established to mx[203.0.113.1]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      T0 + 30_000,
    ),
  );
  assert.equal(p.expire(T0 + 60_000), []);
  const first = p.expire(T0 + 60_001);
  assert.equal(first.map((o) => [o.kind, o.time]), [['failure', T0]]);
  assert.is((first[0] as FailureOutcome).reason, 'timeout');
  const second = p.expire(T0 + 90_001);
  assert.equal(second.map((o) => [o.kind, o.direction, o.time]), [['handshake', 'outbound', T0 + 30_000]]);
  assert.equal(p.drain(), []);
});

// --- snapshot / restore ---------------------------------------------------------------------------

function run(lines: LogLine[], split: number): Outcome[] {
  const a = postfixFormat.create(DEFAULT_PARSER_OPTIONS);
  const out: Outcome[] = [];
  for (const l of lines.slice(0, split)) out.push(...a.push(l).outcomes);
  const state = JSON.parse(JSON.stringify(a.snapshot())) as unknown;
  const b = postfixFormat.create(DEFAULT_PARSER_OPTIONS);
  b.restore(state);
  for (const l of lines.slice(split)) out.push(...b.push(l).outcomes);
  out.push(...b.drain());
  return out;
}

test('snapshot/restore at every line of every fixture gives the same outcomes', () => {
  const files = [
    ...POSTFIX.flatMap(filesOf),
    'interleaved/postfix-interleaved-sample.log',
  ];
  let splits = 0;
  for (const file of files) {
    const lines = linesOf(readFileSync(corpusPath(file), 'utf8'))
      .map((raw) => parseSyslogLine(raw, CORPUS_NOW)!)
      .filter((l) => postfixFormat.ownsProgram(l.program));
    const whole = run(lines, lines.length);
    const points = file.startsWith('interleaved/') ? [1, 97, 350, 511, 699] : lines.map((_, i) => i);
    for (const k of points) {
      assert.equal(run(lines, k), whole, `${file} split at ${k}`);
      splits++;
    }
  }
  assert.ok(splits > 200);
});

test('snapshot holds open sessions only as JSON; restore ignores malformed state', () => {
  const p = postfixFormat.create(DEFAULT_PARSER_OPTIONS);
  p.push(lineAt('postfix/smtpd', '9', 'SSL_accept error from a[192.0.2.1]: -1', T0));
  const snap = p.snapshot();
  assert.equal(JSON.parse(JSON.stringify(snap)), snap);
  for (const bad of [null, 'x', 42, [], { v: 99, sessions: [] }, { v: 1, sessions: 'no' }, { v: 1, sessions: [['x'], null, 3] }]) {
    const q = postfixFormat.create(DEFAULT_PARSER_OPTIONS);
    q.restore(bad);
    assert.equal(q.drain(), [], JSON.stringify(bad));
  }
  const q = postfixFormat.create(DEFAULT_PARSER_OPTIONS);
  q.restore(snap);
  assert.equal(
    q.drain().map((o) => [o.kind, o.peer]),
    [['failure', 'a[192.0.2.1]']],
  );
});

// --- timestamps -----------------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function toRfc3339(raw: string): string {
  const m = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d) /.exec(raw)!;
  const month = String(MONTHS.indexOf(m[1]!) + 1).padStart(2, '0');
  return `2026-${month}-${m[2]!.padStart(2, '0')}T${m[3]}.123456+00:00 ${raw.slice(m[0].length)}`;
}

test('RFC 3339 timestamps give the same outcomes, timed by the line', () => {
  for (const e of POSTFIX) {
    const raw = linesOf(readFileSync(corpusPath(e.file), 'utf8'));
    const converted = raw.map(toRfc3339);
    assert.ok(converted[0]!.startsWith('2026-11-23T'), converted[0]);
    const a = replayLines(raw, 'postfix');
    const b = replayLines(converted, 'postfix');
    assert.equal(b.map(withoutTime), a.map(withoutTime), e.file);
    for (const o of b) assert.is(o.time % 1000, 123, e.file);
  }
});

test.run();
