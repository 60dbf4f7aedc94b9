import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDispatcher } from '../../../src/logs/dispatcher.js';
import { sendmailFormat } from '../../../src/logs/parsers/sendmail.js';
import { parseSyslogLine } from '../../../src/logs/parsers/syslog.js';
import { DEFAULT_PARSER_OPTIONS } from '../../../src/logs/parsers/types.js';
import type { FailureOutcome, HandshakeOutcome, MtaParser, Outcome } from '../../../src/logs/parsers/types.js';
import { assertManifestOutcome, filesOf } from '../../helpers/manifest-outcome.js';
import { CORPUS_NOW, corpusPath, linesOf, manifest, replayFile, replayLines } from '../../helpers/corpus.js';

const SENDMAIL = manifest().filter((e) => e.mta === 'sendmail');


/** What these lines say beyond the manifest's coarse class. */
const REFINED: Record<string, string> = {
  // `ruleset=tls_server, arg1=OK, … reject=454 4.7.0 CN wrongname.example does not match peer.corpus.test`
  'sendmail/out10b_cert_wrong_name_secure.log': 'cert_hostname_mismatch',
  // `verify=FAIL` + `arg1=FAIL … authentication failed`, at LogLevel 9 without the X509 reason
  'sendmail/out10a_cert_untrusted_verify.log': 'cert_verify_failed',
};


test('the manifest lists the Sendmail files', () => {
  assert.ok(SENDMAIL.length >= 25);
  assert.ok(SENDMAIL.some((e) => e.file.includes('__loglevel14')));
});

for (const e of SENDMAIL) {
  for (const file of filesOf(e)) {
    test(`manifest: ${file}`, () => {
      const out = replayFile(corpusPath(file), 'sendmail');
      assert.equal(replayFile(corpusPath(file), 'auto'), out, 'format auto gives the same outcomes');
      assertManifestOutcome(e, out, { refined: REFINED[file] });
    });
  }
}

test('the refined reasons belong to manifest entries with the coarse class', () => {
  for (const file of Object.keys(REFINED)) {
    const e = SENDMAIL.find((x) => x.file === file);
    assert.ok(e, file);
    assert.is(e!.expected.reason, 'cert_verify_failed');
  }
});

test('no line of the Sendmail corpus is left unparsed', () => {
  const d = createDispatcher('sendmail', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
  for (const e of SENDMAIL) {
    for (const file of filesOf(e)) {
      for (const line of linesOf(readFileSync(corpusPath(file), 'utf8'))) {
        assert.is.not(d.push(line).status, 'unparsed', line);
      }
    }
  }
});

// ---- version drift (log-formats.md §2) ----

const at = (pid: number, msg: string, prog = 'sendmail'): string => `Nov 23 03:44:08 mx ${prog}[${pid}]: ${msg}`;

test('≤ 8.14 logs version=TLSv1/SSLv3 (the cipher\'s version): kept as logged', () => {
  const out = replayLines(
    [
      at(23834, 'STARTTLS=client, relay=mx.remotefoo.com., version=TLSv1/SSLv3, verify=FAIL, cipher=AES128-SHA, bits=128/128'),
      at(20342, 'STARTTLS=server, relay=lists.sourceforge.net [216.34.181.88], version=TLSv1/SSLv3, verify=NO, cipher=DHE-RSA-AES256-SHA, bits=256/256', 'sm-mta'),
    ],
    'auto',
  );
  assert.equal(
    out.map((o) => [o.direction, o.peer, (o as HandshakeOutcome).protocol, (o as HandshakeOutcome).cipher, (o as HandshakeOutcome).trust]),
    [
      ['outbound', 'mx.remotefoo.com', 'TLSv1/SSLv3', 'AES128-SHA', 'untrusted'],
      ['inbound', 'lists.sourceforge.net[216.34.181.88]', 'TLSv1/SSLv3', 'DHE-RSA-AES256-SHA', 'anonymous'],
    ],
  );
});

const ERRORS: [string, string][] = [
  // 8.12: no reason=, timedout= instead of retry=
  ['STARTTLS=server, error: accept failed=0, SSL_error=5, timedout=0, errno=0', 'lost_connection'],
  ['STARTTLS=server, error: accept failed=0, SSL_error=2, timedout=1, errno=0', 'timeout'],
  // 8.14.6+: reason=unknown leaves SSL_error and retry
  ['STARTTLS=server, error: accept failed=-1, reason=unknown, SSL_error=5, errno=0, retry=-1, relay=[192.0.2.1]', 'lost_connection'],
  ['STARTTLS=server, error: accept failed=-1, reason=unknown, SSL_error=5, errno=104, retry=-1, relay=[192.0.2.1]', 'lost_connection'],
  ['STARTTLS=server, error: accept failed=1, reason=unknown, SSL_error=2, errno=0, retry=0, relay=[192.0.2.1]', 'timeout'],
  ['STARTTLS=client, error: connect failed=-1, reason=unknown, SSL_error=2, errno=11, retry=0', 'timeout'],
  ['STARTTLS=client, error: connect failed=-1, reason=tlsv1 alert protocol version, SSL_error=1, errno=0, retry=-1', 'protocol_version'],
  ['STARTTLS=server, error: accept failed=-1, reason=ssl/tls alert bad certificate, SSL_error=1, errno=0, retry=-1, relay=[192.0.2.1]', 'cert_rejected_by_peer'],
  ['STARTTLS=server, error: accept failed=-1, reason=no suitable signature algorithm, SSL_error=1, errno=0, retry=-1, relay=[192.0.2.1]', 'other'],
];

for (const [line, reason] of ERRORS) {
  test(`handshake error: ${line}`, () => {
    const out = replayLines([at(1000, line), at(1000, '6AN3iCPI010835: [192.0.2.1] did not issue MAIL/EXPN/VRFY/ETRN')], 'sendmail');
    assert.equal(out.map((o) => [o.kind, o.direction, (o as FailureOutcome).reason]), [
      ['failure', line.startsWith('STARTTLS=server') ? 'inbound' : 'outbound', reason],
    ]);
  });
}

test('8.13–8.14.5 (no reason=): the OpenSSL error stack line that follows gives the reason', () => {
  for (const stack of [
    'STARTTLS=server: 12345:error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1417:',
    'STARTTLS=server: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:',
  ]) {
    const out = replayLines(
      [at(1001, 'STARTTLS=server, error: accept failed=-1, SSL_error=1, errno=0, retry=-1, relay=[192.0.2.1]'), at(1001, stack)],
      'sendmail',
    );
    assert.equal(out.map((o) => (o as FailureOutcome).reason), ['no_shared_cipher'], stack);
  }
});

test('LogLevel > 11: verifymsg names the cause of a FAIL rejected by tls_server', () => {
  const out = replayLines(
    [
      at(1002, 'STARTTLS: TLS cert verify: depth=0 /CN=mx.example.net, state=0, reason=certificate has expired'),
      at(1002, 'STARTTLS=client, relay=mx.example.net., version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256'),
      at(1002, 'STARTTLS=client, cert-subject=/CN=mx.example.net, cert-issuer=/CN=CA, verifymsg=certificate has expired'),
      at(1002, 'ruleset=tls_server, arg1=FAIL, relay=mx.example.net., reject=454 4.7.0 authentication failed'),
      at(1002, '6AN3kqgX011054: to=<a@example.net>, delay=00:00:00, mailer=esmtp, relay=mx.example.net. [192.0.2.2], dsn=4.7.0, stat=Deferred'),
    ],
    'sendmail',
  );
  assert.is(out.length, 1);
  const f = out[0] as FailureOutcome;
  assert.is(f.reason, 'cert_expired');
  assert.is(f.protocol, 'TLSv1.3');
  assert.is(f.trust, 'untrusted');
});

test('ruleset rejections without a handshake line', () => {
  const reasons = (lines: string[]): string[] => replayLines(lines, 'auto').map((o) => `${o.direction}:${(o as FailureOutcome).reason}`);
  assert.equal(reasons([at(1, 'ruleset=tls_server, arg1=NONE, relay=[192.0.2.3], reject=454 4.7.0 encryption too weak 0 less than 128')]), [
    'outbound:starttls_not_offered',
  ]);
  assert.equal(reasons([at(2, 'ruleset=tls_server, arg1=PROTOCOL, relay=mx.b., reject=454 4.7.0 STARTTLS failed.')]), ['outbound:starttls_rejected']);
  assert.equal(reasons([at(3, 'ruleset=tls_server, arg1=CONFIG, relay=mx.b., reject=454 4.7.0 STARTTLS temporarily not possible.')]), [
    'outbound:local_config',
  ]);
  // Solaris syslog prefixes a message id; sendmail <= 8.16 says 403
  assert.equal(reasons([at(4, '[ID 702911 mail.notice] ruleset=tls_server, arg1=SOFTWARE, relay=MTA, reject=403 4.7.0 TLS handshake failed.', 'sm-mta')]), [
    'outbound:other',
  ]);
  // A client that never used STARTTLS on a listener that requires it: no attempt was made.
  assert.equal(reasons([at(5, '6AN3k51I010951: ruleset=check_mail, arg1=<a@b>, relay=[127.0.0.9], reject=454 4.7.0 encryption too weak 0 less than 128')]), []);
  assert.equal(reasons([at(6, 'ruleset=tls_client, arg1=NONE, relay=[127.0.0.9], reject=403 4.7.0 encryption too weak 0 less than 128')]), []);
  assert.equal(reasons([at(7, 'ruleset=tls_rcpt, arg1=<a@b>, relay=mx.b., reject=454 4.7.0 encryption too weak 0 less than 128')]), []);
});

test('tls_client rejecting an established inbound session is a failure with its protocol', () => {
  const out = replayLines(
    [
      at(1003, 'STARTTLS=server, relay=client.example [192.0.2.4], version=TLSv1.2, verify=FAIL, cipher=ECDHE-RSA-AES128-GCM-SHA256, bits=128/128'),
      at(1003, 'ruleset=tls_client, arg1=FAIL, relay=client.example [192.0.2.4], reject=403 4.7.0 authentication failed'),
    ],
    'sendmail',
  );
  assert.equal(out, [
    {
      kind: 'failure',
      mta: 'sendmail',
      direction: 'inbound',
      peer: 'client.example[192.0.2.4]',
      time: out[0]!.time,
      reason: 'cert_verify_failed',
      protocol: 'TLSv1.2',
      cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
      trust: 'untrusted',
    },
  ]);
});

test('processes are kept apart, one process can make several attempts, post-handshake errors add nothing', () => {
  const out = replayLines(
    [
      at(2001, 'STARTTLS=client, relay=mx1.example., version=TLSv1.3, verify=OK, cipher=TLS_AES_256_GCM_SHA384, bits=256/256'),
      at(2002, 'STARTTLS=server, relay=[192.0.2.5], version=TLSv1.2, verify=NO, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256/256'),
      at(2001, '6AN3kHL4010971: to=<a@example.com>, delay=00:00:00, mailer=esmtp, relay=mx1.example. [192.0.2.6], dsn=2.0.0, stat=Sent (ok)'),
      at(2002, 'STARTTLS: read error=generic SSL error (-1), errno=0, get_error=error:0A000126:SSL routines::unexpected eof while reading, retry=1, ssl_err=1'),
      at(2001, 'STARTTLS=client, relay=mx2.example., version=TLSv1.2, verify=FAIL, cipher=ECDHE-RSA-AES128-GCM-SHA256, bits=128/128'),
      at(2001, '6AN3kHL4010972: to=<b@example.org>, delay=00:00:00, mailer=esmtp, relay=mx2.example. [192.0.2.7], dsn=2.0.0, stat=Sent (ok)'),
      at(2003, 'STARTTLS=client, relay=mx3.example., warning=DANE configured in DNS but STARTTLS failed'),
    ],
    'sendmail',
  );
  assert.equal(
    out.map((o) => [o.kind, o.direction, o.peer]).sort(),
    [
      ['handshake', 'inbound', '[192.0.2.5]'],
      ['handshake', 'outbound', 'mx1.example[192.0.2.6]'],
      ['handshake', 'outbound', 'mx2.example[192.0.2.7]'],
    ],
  );
});

// ---- state ----

function push(p: MtaParser, lines: string[]): Outcome[] {
  const out: Outcome[] = [];
  for (const l of lines) out.push(...p.push(parseSyslogLine(l, CORPUS_NOW)!).outcomes);
  return out;
}

const SUMMARY = at(3001, 'STARTTLS=client, relay=[192.0.2.8], version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256');
const REJECT = at(3001, 'ruleset=tls_server, arg1=FAIL, relay=[192.0.2.8], reject=454 4.7.0 authentication failed');

test('a pending attempt survives snapshot/restore', () => {
  const a = sendmailFormat.create(DEFAULT_PARSER_OPTIONS);
  assert.equal(push(a, [SUMMARY]), []);
  const b = sendmailFormat.create(DEFAULT_PARSER_OPTIONS);
  b.restore(JSON.parse(JSON.stringify(a.snapshot())));
  const out = push(b, [REJECT]);
  assert.is(out.length, 1);
  assert.is((out[0] as FailureOutcome).reason, 'cert_verify_failed');
  assert.is((out[0] as FailureOutcome).protocol, 'TLSv1.3');
  const c = sendmailFormat.create(DEFAULT_PARSER_OPTIONS);
  c.restore({ v: 1, sessions: [['x|1', { last: 1, pending: { kind: 'handshake', mta: 'sendmail' } }], ['x|2', 'junk']] });
  assert.equal(c.drain(), []);
});

test('a pending attempt is emitted at drain, at expiry, and when the table is full', () => {
  const a = sendmailFormat.create(DEFAULT_PARSER_OPTIONS);
  push(a, [SUMMARY]);
  assert.is(a.drain().length, 1);
  assert.equal(a.drain(), []);
  const b = sendmailFormat.create({ sessionTtlMs: 1000, maxSessions: 100 });
  push(b, [SUMMARY]);
  const t = parseSyslogLine(SUMMARY, CORPUS_NOW)!.time;
  assert.equal(b.expire(t + 500), []);
  assert.equal(b.expire(t + 2000).map((o) => o.kind), ['handshake']);
  const c = sendmailFormat.create({ sessionTtlMs: 60_000, maxSessions: 2 });
  const evicted = push(c, [SUMMARY, SUMMARY.replace('[3001]', '[3002]'), SUMMARY.replace('[3001]', '[3003]')]);
  assert.is(evicted.length, 1);
  assert.is(c.drain().length, 2);
});

test.run();
