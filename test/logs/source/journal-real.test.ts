/**
 * The journal source against a real journald and the real journalctl: Postfix lines written with
 * logger(1) into a journal namespace of the test's own are read, filtered by journalctl, counted, and
 * after a restart the saved cursor lets only the newer records in.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startExporter, waitFor } from '../../helpers/daemon.js';
import { sampleSum, sampleValue } from '../../helpers/metrics-text.js';
import { privateJournalUnavailable, startPrivateJournal, type PrivateJournal } from '../../helpers/private-journal.js';

const unavailable = privateJournalUnavailable();

const handshake = (j: PrivateJournal, pid: number, peer: string, protocol: string, cipher: string): void => {
  j.log('postfix/smtpd', pid, `connect from ${peer}`);
  j.log('postfix/smtpd', pid, `Anonymous TLS connection established from ${peer}: ${protocol} with cipher ${cipher} (256/256 bits)`);
  j.log('postfix/smtpd', pid, `disconnect from ${peer} ehlo=2 starttls=1 quit=1 commands=4`);
};

const counted = (metrics: string, handshakes: number, failures: number): boolean =>
  sampleSum(metrics, 'smtp_tls_handshakes_total') === handshakes && sampleSum(metrics, 'smtp_tls_handshake_failures_total') === failures;

(unavailable === null ? test : test.skip)('a real journald: lines written with logger are filtered by journalctl, counted, and not counted again after a restart', async () => {
  const j = await startPrivateJournal();
  const dir = mkdtempSync(join(tmpdir(), 'journal-real-'));
  const config = join(dir, 'config.yml');
  writeFileSync(config, `state_dir: ${join(dir, 'state')}\nlogs:\n  - journal: { matches: [SYSLOG_IDENTIFIER=postfix/smtpd] }\n    start_at: beginning\n`);
  const env = { PATH: `${j.binDir}:${process.env.PATH ?? ''}` };
  try {
    handshake(j, 4001, 'a.example[192.0.2.1]', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384');
    j.log('postfix/smtpd', 4002, 'connect from b.example[192.0.2.2]');
    j.log('postfix/smtpd', 4002, 'SSL_accept error from b.example[192.0.2.2]: -1');
    j.log('postfix/smtpd', 4002, 'warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2220:');
    j.log('postfix/smtpd', 4002, 'lost connection after STARTTLS from b.example[192.0.2.2]');
    j.log('postfix/smtpd', 4002, 'disconnect from b.example[192.0.2.2] ehlo=1 starttls=0/1 commands=1/2');
    // another program: journalctl leaves it out
    j.log('postfix/smtp', 4003, 'Untrusted TLS connection established to c.example[192.0.2.3]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)');

    const a = await startExporter(['--config', config], env);
    try {
      let m = await waitFor('the handshake and the failure', async () => {
        const t = await a.metrics();
        return counted(t, 1, 1) ? t : undefined;
      });
      assert.is(
        sampleValue(m, 'smtp_tls_handshakes_total', { mta: 'postfix', direction: 'inbound', protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', trust: 'anonymous' }),
        1,
      );
      assert.is(sampleValue(m, 'smtp_tls_handshake_failures_total', { mta: 'postfix', direction: 'inbound', reason: 'no_shared_cipher' }), 1);
      assert.is(sampleValue(m, 'smtp_tls_log_lines_read_total', { path: 'journal' }), 8);
      assert.is(sampleValue(m, 'smtp_tls_log_up', { path: 'journal' }), 1);

      // followed: a record written now arrives
      handshake(j, 4004, 'd.example[192.0.2.4]', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256');
      m = await waitFor('the followed handshake', async () => {
        const t = await a.metrics();
        return counted(t, 2, 1) ? t : undefined;
      });
      assert.is(sampleValue(m, 'smtp_tls_log_lines_read_total', { path: 'journal' }), 11);
    } finally {
      assert.is(await a.stop(), 0, a.stderr());
    }

    // written while the exporter is down: only this one is new to it
    handshake(j, 4005, 'e.example[192.0.2.5]', 'TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256');
    const b = await startExporter(['--config', config], env);
    try {
      await waitFor('the handshake written while stopped', async () => counted(await b.metrics(), 1, 0) || undefined);
      await sleep(500);
      const m = await b.metrics();
      assert.ok(counted(m, 1, 0), 'nothing read before the restart is counted again');
      assert.is(sampleValue(m, 'smtp_tls_handshakes_total', { mta: 'postfix', direction: 'inbound', protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256', trust: 'anonymous' }), 1);
      assert.is(sampleValue(m, 'smtp_tls_log_lines_read_total', { path: 'journal' }), 3);
    } finally {
      await b.stop();
    }
  } finally {
    await j.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
if (unavailable !== null) console.log(`skipped: a journald of the test's own cannot run here (${unavailable})`);

test.run();
