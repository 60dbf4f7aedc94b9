import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runReportCommand } from '../../src/cli/report-command.js';
import { CORPUS_NOW, corpusPath, manifest } from '../helpers/corpus.js';
import { captureIo } from '../helpers/io.js';

const now = () => CORPUS_NOW;
const postfixEntries = manifest().filter((e) => e.mta === 'postfix' && !e.file.includes('__'));
const files = postfixEntries.map((e) => corpusPath(e.file));

async function reportJson(args: string[], stdin?: string) {
  const c = captureIo({ stdin });
  const code = await runReportCommand(['--json', ...args], c.io, now);
  assert.is(code, 0, c.stderr());
  return JSON.parse(c.stdout());
}

test('--json prints exactly the documented keys and row shapes', async () => {
  const r = await reportJson(files);
  assert.equal(Object.keys(r), ['lines_read', 'handshakes', 'failures', 'top_failing_peers']);
  assert.equal(Object.keys(r.handshakes[0]), ['mta', 'direction', 'protocol', 'cipher', 'trust', 'count']);
  assert.equal(Object.keys(r.failures[0]), ['mta', 'direction', 'reason', 'count']);
  assert.equal(Object.keys(r.top_failing_peers[0]), ['peer', 'direction', 'reason', 'count']);
});

test('counts over the Postfix scenario files equal the manifest', async () => {
  const r = await reportJson(files);
  const lines = files.reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').filter(Boolean).length, 0);
  assert.is(r.lines_read, lines);
  const want = new Map<string, number>();
  for (const e of postfixEntries) {
    if (e.expected.outcome === 'success') {
      const k = `h ${e.direction} ${e.expected.protocol} ${e.expected.cipher} ${e.expected.trust}`;
      want.set(k, (want.get(k) ?? 0) + 1);
    }
  }
  const got = new Map<string, number>();
  for (const h of r.handshakes) got.set(`h ${h.direction} ${h.protocol} ${h.cipher} ${h.trust}`, h.count);
  assert.equal([...got.entries()].sort(), [...want.entries()].sort());
  const failures = postfixEntries.filter((e) => e.expected.outcome === 'failure').length;
  assert.is(r.failures.reduce((n: number, f: { count: number }) => n + f.count, 0), failures);
  const ncs = postfixEntries.filter((e) => e.expected.reason === 'no_shared_cipher' && e.direction === 'inbound').length;
  assert.is(r.failures.find((f: { reason: string; direction: string }) => f.reason === 'no_shared_cipher' && f.direction === 'inbound').count, ncs);
});

test('top failing peers are sorted by count and limited by --top', async () => {
  const r = await reportJson(['--top', '2', ...files]);
  assert.is(r.top_failing_peers.length, 2);
  assert.ok(r.top_failing_peers[0].count >= r.top_failing_peers[1].count);
  assert.is(r.top_failing_peers[0].peer, 'localhost[127.0.0.1]');
});

test('gzip files and stdin give the same answer as the plain file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  const text = readFileSync(corpusPath('postfix/in03_no_shared_cipher.log'));
  writeFileSync(join(dir, 'mail.log.2.gz'), gzipSync(text));
  const plain = await reportJson([corpusPath('postfix/in03_no_shared_cipher.log')]);
  assert.equal(await reportJson([join(dir, 'mail.log.2.gz')]), plain);
  assert.equal(await reportJson(['-'], text.toString()), plain);
  assert.is(plain.failures[0].reason, 'no_shared_cipher');
});

test('the text output is a readable table', async () => {
  const c = captureIo();
  assert.is(await runReportCommand(files, c.io, now), 0);
  assert.match(c.stdout(), /Handshakes\nMTA\s+DIRECTION\s+PROTOCOL\s+CIPHER\s+TRUST\s+COUNT\s+SHARE\npostfix/);
  assert.match(c.stdout(), /Failures\nMTA\s+DIRECTION\s+REASON\s+COUNT/);
});

test('a missing file exits 1 and names it; bad usage exits 2', async () => {
  const c = captureIo();
  assert.is(await runReportCommand(['/nonexistent/mail.log'], c.io, now), 1);
  assert.match(c.stderr(), /cannot read \/nonexistent\/mail\.log/);
  const d = captureIo();
  assert.is(await runReportCommand(['--format', 'qmail', files[0]!], d.io, now), 2);
  const e = captureIo();
  assert.is(await runReportCommand([], e.io, now), 2);
});

test('garbage bytes, invalid UTF-8 and a 5 MB line do not stop the report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  const junk = Buffer.concat([
    Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]),
    Buffer.alloc(5 * 1024 * 1024, 0x41),
    Buffer.from('\n'),
    readFileSync(corpusPath('postfix/in03_no_shared_cipher.log')),
  ]);
  writeFileSync(join(dir, 'junk.log'), junk);
  const r = await reportJson([join(dir, 'junk.log')]);
  assert.is(r.failures[0].reason, 'no_shared_cipher');
  assert.is(r.lines_read, 2 + 5);
});

test('a file that cannot be read is reported by name (exit 1)', async () => {
  const c = captureIo();
  const code = await runReportCommand(['--json', join(tmpdir(), 'no-such-dir-xyz', 'mail.log')], c.io, now);
  assert.is(code, 1);
  assert.match(c.stderr(), /cannot read .*mail\.log/);
  // a directory passes the access check and fails while reading
  const dir = mkdtempSync(join(tmpdir(), 'report-dir-'));
  const d = captureIo();
  assert.is(await runReportCommand(['--json', dir], d.io, now), 1);
  assert.match(d.stderr(), new RegExp(`cannot read ${dir}: .*EISDIR`));
});

test.run();
