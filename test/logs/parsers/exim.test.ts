import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDispatcher } from '../../../src/logs/dispatcher.js';
import { eximFormat } from '../../../src/logs/parsers/exim.js';
import { DEFAULT_PARSER_OPTIONS } from '../../../src/logs/parsers/types.js';
import type { FailureOutcome, HandshakeOutcome, LogLine, Outcome } from '../../../src/logs/parsers/types.js';
import { assertManifestOutcome, filesOf } from '../../helpers/manifest-outcome.js';
import { CORPUS_NOW, corpusPath, linesOf, manifest, replayFile, replayLines } from '../../helpers/corpus.js';

const EXIM = manifest().filter((e) => e.mta === 'exim');

/** The manifest's `cert_verify_failed` is the coarse class of every certificate verdict. */

/**
 * What these lines say beyond the manifest's coarse class: a GnuTLS build logs a failed host-name
 * check as `TLS session: (certificate verification failed)` with no text after it.
 */
const REFINED: Record<string, string> = {
  'exim/out10b_cert_wrong_name_secure.log': 'cert_hostname_mismatch',
  'exim/out10b_cert_wrong_name_secure.syslog.log': 'cert_hostname_mismatch',
  'exim/out10a_cert_untrusted_verify.log': 'cert_verify_failed', // `certificate invalid`: cause not logged
  'exim/out10a_cert_untrusted_verify.syslog.log': 'cert_verify_failed',
};

/**
 * The manifest spells Exim's cipher with the protocol in front (`TLS1.3:ECDHE_X25519__…`); the
 * exporter's `cipher` is the part of `X=` between protocol and bits.
 */
function eximCipher(manifestCipher: string | undefined): string | undefined {
  return manifestCipher?.replace(/^TLS1\.\d:/, '');
}


test('the manifest lists the Exim files with their syslog duplicates', () => {
  assert.ok(EXIM.length >= 25);
  for (const e of EXIM) assert.ok(filesOf(e).some((f) => f.endsWith('.syslog.log')), e.file);
  assert.ok(EXIM.some((e) => e.file.includes('__selector_all')));
  assert.ok(EXIM.some((e) => e.file.includes('__default_selector')));
});

for (const e of EXIM) {
  for (const file of filesOf(e)) {
    test(`manifest: ${file}`, () => {
      const out = replayFile(corpusPath(file), 'exim');
      assert.equal(replayFile(corpusPath(file), 'auto'), out, 'format auto gives the same outcomes');
      assertManifestOutcome(e, out, { refined: REFINED[file], cipher: eximCipher, peer: (p) => assert.ok(p.includes(`[${String(e['peer_ip'])}]`), p) });
    });
  }
}

test('the refined reasons belong to manifest entries with the coarse class', () => {
  for (const file of Object.keys(REFINED)) {
    const e = EXIM.find((x) => filesOf(x).includes(file));
    assert.ok(e, file);
    assert.is(e!.expected.reason, 'cert_verify_failed');
  }
});

test('no line of the Exim corpus is left unparsed, and non-TLS lines are ignored', () => {
  const d = createDispatcher('exim', DEFAULT_PARSER_OPTIONS, () => CORPUS_NOW);
  for (const e of EXIM) {
    for (const file of filesOf(e)) {
      for (const line of linesOf(readFileSync(corpusPath(file), 'utf8'))) {
        assert.is.not(d.push(line).status, 'unparsed', line);
      }
    }
  }
  assert.is(d.push('2026-11-23 03:27:11 SMTP command timeout on connection from (c) [127.0.0.1]').status, 'tls');
  assert.is(d.push('Nov 23 03:27:11 vm dovecot[12]: imap-login: TLS handshaking: SSL_accept() failed').status, 'ignored');
});

// ---- version drift (lines quoted or assembled from log-formats.md §3) ----

function one(lines: string[]): Outcome {
  const out = replayLines(lines, 'exim');
  assert.is(out.length, 1, JSON.stringify(out));
  return out[0]!;
}

function failureOf(line: string): FailureOutcome {
  const o = one([line]);
  assert.is(o.kind, 'failure');
  return o as FailureOutcome;
}

const INBOUND_ERRORS: [string, string][] = [
  // OpenSSL builds
  ['(SSL_accept): error:0A0000C1:SSL routines::no shared cipher', 'no_shared_cipher'],
  ['(SSL_accept): error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher', 'no_shared_cipher'],
  // 4.94–4.95 put the protocol into the function; 4.96+ replaces the OpenSSL text with it
  ['(SSL_accept (TLSv1)): error:0A00018C:SSL routines::version too low', 'protocol_version'],
  ['(SSL_accept): (TLSv1)', 'protocol_version'],
  ['(SSL_accept): (TLSv1.1)', 'protocol_version'],
  ['(SSL_accept): error:0A00010B:SSL routines::wrong version number', 'non_tls_data'],
  ['(SSL_accept): error:0A000126:SSL routines::unexpected eof while reading', 'lost_connection'],
  ['SSL_accept: TCP connection closed by peer', 'lost_connection'],
  ['(SSL_accept): syscall Connection reset by peer', 'lost_connection'],
  ['(SSL_accept): timed out', 'timeout'],
  // GnuTLS builds, several Exim generations
  ['(gnutls_handshake): Could not negotiate a supported cipher suite.', 'no_shared_cipher'],
  ['(gnutls_handshake): rxd alert: Handshake failed', 'no_shared_cipher'],
  ['(gnutls_handshake): A TLS fatal alert has been received: Certificate is bad', 'cert_rejected_by_peer'],
  ['(gnutls_handshake): A TLS fatal alert has been received.', 'other'],
  ['(gnutls_handshake): The peer did not send any certificate.', 'cert_untrusted'],
  ['(gnutls_handshake): A TLS packet with unexpected length was received.', 'non_tls_data'],
  ['(certificate verification failed): certificate revoked', 'cert_untrusted'],
];

for (const [text, reason] of INBOUND_ERRORS) {
  test(`inbound handshake error: ${text}`, () => {
    const f = failureOf(`2026-11-23 03:11:31 TLS error on connection from (helo.example) [192.0.2.7] ${text}`);
    assert.is(f.direction, 'inbound');
    assert.is(f.reason, reason);
    assert.is(f.peer, '[192.0.2.7]');
  });
}

test('inbound error with verified name, helo, port, interface and a connection id', () => {
  const f = failureOf(
    '2026-11-23 03:11:31 TLS error on connection Ci=2345 from the.local.host.name (myhost.test.ex) [192.0.2.8]:40000 I=[192.0.2.1]:25 (gnutls_handshake): No supported cipher suites have been found.',
  );
  assert.is(f.peer, 'the.local.host.name[192.0.2.8]');
  assert.is(f.reason, 'no_shared_cipher');
});

test('errors on an established session are not handshake failures', () => {
  assert.equal(
    replayLines(
      [
        '2024-09-07 01:34:11 TLS error on connection from (v261955545.local) [43.6.92.12] (recv): The TLS connection was non-properly terminated.',
        '2024-10-12 09:22:27 1szVWE-0071qn-2C H=gmail-smtp-in.l.google.com [142.250.102.27] TLS error on connection (recv_tls_read): The TLS connection was non-properly terminated.',
        '2024-10-12 09:22:28 TLS error (SSL_read): on connection from (x) [192.0.2.9] error:0A000126:SSL routines::unexpected eof while reading',
      ],
      'exim',
    ),
    [],
  );
});

const X_FIELDS: [string, string, string][] = [
  ['X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256', 'TLSv1.3', 'ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM'],
  // GnuTLS before Exim 4.93 / GnuTLS 3.1.10
  ['X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256', 'TLSv1.2', 'ECDHE_RSA_AES_256_GCM_SHA384'],
  ['X=TLS1.0:RSA_AES_256_CBC_SHA1:256', 'TLSv1', 'RSA_AES_256_CBC_SHA1'],
  // OpenSSL up to 4.93, and from 4.94 on
  ['X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256', 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['X=TLSv1:AES256-SHA:256', 'TLSv1', 'AES256-SHA'],
  ['X=TLS1.3:TLS_AES_256_GCM_SHA384:256', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
  // key-exchange group appended (after 4.99.1), and a resumed session (+tls_resumption)
  ['X=TLS1.3:TLS_AES_256_GCM_SHA384:256:X25519MLKEM768', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
  ['X=TLS1.3:TLS_AES_128_GCM_SHA256:128*', 'TLSv1.3', 'TLS_AES_128_GCM_SHA256'],
];

for (const [x, protocol, cipher] of X_FIELDS) {
  test(`X= field: ${x}`, () => {
    const o = one([`2026-11-23 03:11:31 1xVKfv-0006gb-1c <= a@example.org H=mx.example.org [192.0.2.10] P=esmtps ${x} CV=no S=100`]);
    assert.is(o.kind, 'handshake');
    const h = o as HandshakeOutcome;
    assert.is(h.protocol, protocol);
    assert.is(h.cipher, cipher);
    assert.is(h.trust, 'anonymous');
    assert.is(h.peer, 'mx.example.org[192.0.2.10]');
  });
}

test('trust from CV= and DN=, inbound and outbound', () => {
  const rx = (fields: string): string =>
    (one([`2026-11-23 03:11:31 1xVKfv-0006gb-1c <= a@b H=(c) [192.0.2.1] P=esmtps X=TLS1.3:T:256 ${fields} S=1`]) as HandshakeOutcome).trust;
  assert.is(rx('CV=yes DN="CN=c"'), 'trusted');
  assert.is(rx('CV=no DN="CN=c"'), 'untrusted');
  assert.is(rx('CV=no'), 'anonymous');
  assert.is(rx(''), 'anonymous');
  const tx = (fields: string): string =>
    (one([`2026-11-23 03:11:31 1xVKfv-0006gb-1c => r@b R=dnslookup T=remote_smtp H=mx.b [192.0.2.2] X=TLS1.3:T:256 ${fields} C="250 OK"`]) as HandshakeOutcome).trust;
  assert.is(tx('CV=yes'), 'verified');
  assert.is(tx('CV=dane DN="CN=mx.b"'), 'verified');
  assert.is(tx('CV=no'), 'untrusted');
});

test('4.97+ message ids and a public delivery line', () => {
  const o = one([
    '2024-06-15 11:44:39 1sIXS3-000000069nP-2yYi => victim@example.net R=lookuphost T=remote_smtp H=mail.example.com [203.0.113.217] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=dane C="250 2.0.0 Ok: queued as 4W1k6v0P0Rz3hhcd"',
  ]) as HandshakeOutcome;
  assert.is(o.direction, 'outbound');
  assert.is(o.peer, 'mail.example.com[203.0.113.217]');
  assert.is(o.trust, 'verified');
});

test('mainlog timestamps: plain, +millisec with [pid], log_timezone', () => {
  const line = '1xVKfv-0006gb-1c <= a@b H=(c) [192.0.2.1] P=esmtps X=TLS1.3:T:256 CV=no S=1';
  const local = eximFormat.parseNative!(`2026-11-23 03:25:03 ${line}`, 2026)!;
  assert.is(local.time, new Date(2026, 10, 23, 3, 25, 3).getTime());
  assert.is(local.message, line);
  const ms = eximFormat.parseNative!(`2026-11-23 03:25:03.572 [26580] ${line}`, 2026)!;
  assert.is(ms.time, new Date(2026, 10, 23, 3, 25, 3, 572).getTime());
  assert.is(ms.pid, '26580');
  assert.is(ms.message, line);
  const tz = eximFormat.parseNative!(`2026-11-23 03:25:03 +0100 ${line}`, 2026)!;
  assert.is(tz.time, Date.parse('2026-11-23T02:25:03Z'));
  assert.is(eximFormat.parseNative!('Nov 23 03:25:03 vm exim[1]: x', 2026), null);
  assert.is(eximFormat.parseNative!('1064869327@00/00-25593-CBD987F3@a@b@T@x', 2026), null);
});

test('syslog lines that repeat Exim\'s own timestamp (syslog_timestamp) and the +pid prefix', () => {
  const out = replayLines(
    [
      'Nov 23 03:11:31 mx exim[11721]: 2026-11-23 03:11:31 1xVKfv-0006gb-1c <= a@b H=(c) [192.0.2.1]:7664 P=esmtps X=TLSv1.2:AES128-SHA:128 S=1',
      'Nov 23 03:11:32 mx exim[11722]: [11722] 2026-11-23 03:11:32 TLS error on connection from (c) [192.0.2.2] (SSL_accept): timed out',
    ],
    'auto',
  );
  assert.is(out.length, 2);
  assert.is((out[0] as HandshakeOutcome).protocol, 'TLSv1.2');
  assert.is((out[1] as FailureOutcome).reason, 'timeout');
});

test('program names exim and exim4 belong to Exim, others do not', () => {
  assert.ok(eximFormat.ownsProgram('exim'));
  assert.ok(eximFormat.ownsProgram('exim4'));
  assert.not.ok(eximFormat.ownsProgram('postfix/smtpd'));
  assert.not.ok(eximFormat.ownsProgram('eximstats'));
});

// ---- one outcome per TLS attempt ----

test('one message to several recipients over one connection is one handshake', () => {
  const out = replayLines(
    [
      '2026-11-23 03:27:46 1xVKiY-0006lV-2S <= s@mx U=root P=local S=334',
      '2026-11-23 03:27:46 1xVKiY-0006lV-2S => a@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.20] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 OK"',
      '2026-11-23 03:27:46 1xVKiY-0006lV-2S -> b@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.20] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 OK"',
      '2026-11-23 03:27:46 1xVKiY-0006lV-2S -> c@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.20] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 OK"',
      '2026-11-23 03:27:47 1xVKiY-0006lV-2S == d@example.net R=dnslookup T=remote_smtp defer (-44) H=mx.example.net [192.0.2.20] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP error from remote mail server after RCPT TO:<d@example.net>: 452 4.2.2 Mailbox full',
      '2026-11-23 03:27:47 1xVKiY-0006lV-2S Completed',
    ],
    'exim',
  );
  assert.is(out.length, 1, JSON.stringify(out));
  assert.is(out[0]!.kind, 'handshake');
});

test('a second message down the same connection (H=…*) is no new handshake; another host is', () => {
  const out = replayLines(
    [
      '2026-11-23 03:30:00 1xVKa1-0006aa-01 => a@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.20] X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes C="250 OK"',
      '2026-11-23 03:30:01 1xVKa2-0006ab-02 => b@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.20]* X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes C="250 OK"',
      '2026-11-23 03:30:01 1xVKa2-0006ab-02 => c@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.30] X=TLS1.3:TLS_AES_128_GCM_SHA256:128 CV=no C="250 OK"',
    ],
    'exim',
  );
  assert.equal(
    out.map((o) => o.peer),
    ['mx.example.net[192.0.2.20]', 'mx.example.org[192.0.2.30]'],
  );
});

test('several messages received over one connection are one handshake; another connection is another', () => {
  // The middle part of the message id is the pid of the receiving process.
  const out = replayLines(
    [
      '2026-11-23 03:40:00 1xVKb1-0006jA-01 <= a@x H=mx.x [192.0.2.40] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=1',
      '2026-11-23 03:40:01 1xVKb2-0006jA-02 <= b@x H=mx.x [192.0.2.40] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=1',
      '2026-11-23 03:40:02 1xVKb3-0006jB-03 <= c@x H=mx.x [192.0.2.40] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=1',
    ],
    'exim',
  );
  assert.is(out.length, 2, JSON.stringify(out));
});

test('reject lines of a connection and its accepted message count once (mainlog without pid, and syslog)', () => {
  const mainlog = replayLines(
    [
      '2026-11-23 03:50:00 H=(spam.example) [198.51.100.9] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=no F=<a@x> rejected RCPT <u1@y>: unknown user',
      '2026-11-23 03:50:01 H=(spam.example) [198.51.100.9] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=no F=<a@x> rejected RCPT <u2@y>: unknown user',
      '2026-11-23 03:50:02 1xVKc1-0006jC-01 <= a@x H=(spam.example) [198.51.100.9] P=esmtps X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=no S=1',
    ],
    'exim',
  );
  assert.is(mainlog.length, 1, JSON.stringify(mainlog));
  const syslog = replayLines(
    [
      'Nov 23 03:50:00 vm exim[25864]: H=(spam.example) [198.51.100.9] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=no F=<a@x> rejected RCPT <u1@y>: unknown user',
      'Nov 23 03:50:02 vm exim[25864]: 1xVKhE-0006jA-0Q <= a@x H=(spam.example) [198.51.100.9] P=esmtps X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=no S=1',
    ],
    'auto',
  );
  assert.is(syslog.length, 1, JSON.stringify(syslog));
});

test('a deferral of several recipients is one failure; the transport line before it is the same attempt', () => {
  const out = replayLines(
    [
      '2026-11-23 03:28:52 1xVKjc-0006r4-1T H=mx.example.net [192.0.2.50]: a TLS session is required, but the server did not offer TLS support',
      '2026-11-23 03:28:52 1xVKjc-0006r4-1T == a@example.net R=dnslookup T=remote_smtp defer (-38) H=mx.example.net [192.0.2.50]: a TLS session is required, but the server did not offer TLS support',
      '2026-11-23 03:28:52 1xVKjc-0006r4-1T == b@example.net R=dnslookup T=remote_smtp defer (-38) H=mx.example.net [192.0.2.50]: a TLS session is required, but the server did not offer TLS support',
    ],
    'exim',
  );
  assert.is(out.length, 1);
  assert.is((out[0] as FailureOutcome).reason, 'starttls_not_offered');
});

test('opportunistic fallback to clear text is one failure, and the clear delivery adds nothing', () => {
  const out = replayLines(
    [
      '2026-11-23 03:29:00 1xVKk1-0006s9-0A H=127.0.0.1 [127.0.0.1]: TLS session: (gnutls_handshake): Handshake failed: delivering unencrypted to H=127.0.0.1 [127.0.0.1] (not in hosts_require_tls)',
      '2026-11-23 03:29:00 1xVKk1-0006s9-0A => rcpt@nocipher-may.out.test R=outbound T=t_may_nokrsa H=127.0.0.1 [127.0.0.1] C="250 2.0.0 Ok: queued as PEER00001"',
    ],
    'exim',
  );
  assert.is(out.length, 1);
  assert.is((out[0] as FailureOutcome).reason, 'no_shared_cipher');
  assert.is(out[0]!.peer, '127.0.0.1[127.0.0.1]');
});

test('Exim ≤ 4.84: the error line and its "TLS session failure" follow-up are one failure', () => {
  const out = replayLines(
    [
      '2017-05-02 10:00:00 1d5Kpb-0000Ab-1x TLS error on connection to 172.18.0.6 [172.18.0.6] (SSL_connect): error:00000000:lib(0):func(0):reason(0)',
      '2017-05-02 10:00:00 1d5Kpb-0000Ab-1x TLS session failure: delivering unencrypted to 172.18.0.6 [172.18.0.6] (not in hosts_require_tls)',
    ],
    'exim',
  );
  assert.is(out.length, 1, JSON.stringify(out));
  assert.is(out[0]!.direction, 'outbound');
  assert.is(out[0]!.peer, '172.18.0.6[172.18.0.6]');
});

test('OpenSSL verify errors before a deferral name the certificate problem', () => {
  const expired = replayLines(
    [
      '2026-11-23 04:00:00 1xVKd1-0006d1-01 [192.0.2.60] SSL verify error: depth=0 error=certificate has expired cert=/CN=mx.example.net',
      '2026-11-23 04:00:00 1xVKd1-0006d1-01 == a@example.net R=dnslookup T=remote_smtp defer (-37) H=mx.example.net [192.0.2.60]: TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed',
    ],
    'exim',
  );
  assert.equal(expired.map((o) => (o as FailureOutcome).reason), ['cert_expired']);
  const name = replayLines(
    [
      '2026-11-23 04:00:00 1xVKd2-0006d2-01 [192.0.2.61] SSL verify error: certificate name mismatch: DN="/CN=other.example" H="mx.example.net"',
      '2026-11-23 04:00:00 1xVKd2-0006d2-01 == a@example.net R=dnslookup T=remote_smtp defer (-37) H=mx.example.net [192.0.2.61]: TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed',
    ],
    'exim',
  );
  assert.equal(name.map((o) => (o as FailureOutcome).reason), ['cert_hostname_mismatch']);
  assert.equal(
    replayLines(['2026-11-23 04:00:00 SSL verify error: depth=0 error=self-signed certificate cert=/CN=client'], 'exim'),
    [],
  );
});

test('a retry of the same message to the same host later is a new attempt', () => {
  const defer =
    '1xVKe1-0006e1-01 == a@example.net R=dnslookup T=remote_smtp defer (-37) H=mx.example.net [192.0.2.70]: TLS session: (gnutls_handshake): timed out';
  const out = replayLines([`2026-11-23 04:00:00 ${defer}`, `2026-11-23 04:00:00 ${defer}`, `2026-11-23 04:30:00 ${defer}`], 'exim');
  assert.is(out.length, 2);
});

// ---- state: cap, expiry, snapshot ----

function feed(p: ReturnType<typeof eximFormat.create>, lines: string[]): Outcome[] {
  const out: Outcome[] = [];
  for (const l of lines) {
    const line = eximFormat.parseNative!(l, 2026) as LogLine;
    out.push(...p.push(line).outcomes);
  }
  return out;
}

const FIRST = '2026-11-23 03:27:46 1xVKiY-0006lV-2S => a@x R=r T=t H=mx.x [192.0.2.20] X=TLS1.3:T:256 CV=yes C="250"';
const SECOND = '2026-11-23 03:27:46 1xVKiY-0006lV-2S -> b@x R=r T=t H=mx.x [192.0.2.20] X=TLS1.3:T:256 CV=yes C="250"';

test('snapshot/restore keeps the attempts already counted', () => {
  const a = eximFormat.create(DEFAULT_PARSER_OPTIONS);
  assert.is(feed(a, [FIRST]).length, 1);
  const state = JSON.parse(JSON.stringify(a.snapshot())) as unknown;
  const b = eximFormat.create(DEFAULT_PARSER_OPTIONS);
  b.restore(state);
  assert.equal(feed(b, [SECOND]), []);
  assert.is(feed(eximFormat.create(DEFAULT_PARSER_OPTIONS), [SECOND]).length, 1, 'without the state it would count');
  const c = eximFormat.create(DEFAULT_PARSER_OPTIONS);
  c.restore({ v: 1, sessions: [['m|x', { kind: 'bogus' }], 'junk', ['c|1|2', { kind: 'c', last: 'no' }]] });
  c.restore('garbage');
  assert.equal(c.snapshot(), { v: 1, sessions: [] });
});

test('open sessions are capped by maxSessions and expire by log time', () => {
  const p = eximFormat.create({ sessionTtlMs: 60_000, maxSessions: 3 });
  for (let i = 0; i < 10; i++) {
    feed(p, [`2026-11-23 03:27:4${i} 1xVKi${i}-0006l${i}-2S => a@x R=r T=t H=mx.x [192.0.2.20] X=TLS1.3:T:256 CV=yes C="250"`]);
  }
  const sessions = (p.snapshot() as { sessions: unknown[] }).sessions;
  assert.is(sessions.length, 3);
  assert.equal(p.expire(new Date(2026, 10, 23, 3, 27, 49).getTime() + 60_000), []);
  assert.is((p.snapshot() as { sessions: unknown[] }).sessions.length, 1);
  p.expire(new Date(2026, 10, 23, 4, 0, 0).getTime());
  assert.is((p.snapshot() as { sessions: unknown[] }).sessions.length, 0);
  assert.equal(p.drain(), []);
});

test('esmtps without X= (cipher logging off) is one handshake with protocol and cipher "unknown"', () => {
  const o = one(['2026-11-23 03:11:31 1xVKfv-0006gb-1c <= a@b H=(c) [192.0.2.1] P=esmtps S=1']) as HandshakeOutcome;
  assert.is(o.kind, 'handshake');
  assert.is(o.protocol, 'unknown');
  assert.is(o.cipher, 'unknown');
});

test.run();
