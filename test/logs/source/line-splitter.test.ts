import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineSplitter } from '../../../src/logs/source/line-splitter.js';
import { rng } from '../../helpers/rng.js';
import { chunkLength, randomLines } from './random-input.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

function feed(s: LineSplitter, chunks: (string | Buffer)[]): string[] {
  const out: string[] = [];
  for (const c of chunks) out.push(...s.push(typeof c === 'string' ? b(c) : c));
  return out;
}

/** What the splitter must produce for `data`: its complete lines, decoded one by one. */
function reference(data: Buffer, max: number): { lines: string[]; oversized: number; tail: number } {
  const lines: string[] = [];
  let oversized = 0;
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0x0a) continue;
    let seg = data.subarray(start, i);
    if (seg.length > 0 && seg[seg.length - 1] === 0x0d) seg = seg.subarray(0, seg.length - 1);
    if (seg.length > max) {
      oversized++;
      let cut = max;
      while (cut > max - 3 && cut > 0 && (seg[cut]! & 0xc0) === 0x80) cut--;
      seg = seg.subarray(0, cut);
    }
    lines.push(seg.toString('utf8'));
    start = i + 1;
  }
  return { lines, oversized, tail: data.length - start };
}


test('complete lines are returned and the unterminated tail is held', () => {
  const s = new LineSplitter();
  assert.equal(s.push(b('one\ntw')), ['one']);
  assert.is(s.pendingBytes, 2);
  assert.equal(s.push(b('o')), []);
  assert.is(s.pendingBytes, 3);
  assert.equal(s.push(b('\nthree\n\nfour')), ['two', 'three', '']);
  assert.is(s.pendingBytes, 4);
  assert.is(s.flush(), 'four');
  assert.is(s.pendingBytes, 0);
  assert.is(s.flush(), null);
});

test('CRLF line ends lose the \\r, also when \\r and \\n arrive in different chunks', () => {
  const s = new LineSplitter();
  assert.equal(feed(s, ['a\r\nb\r\n\r\n', 'c\r', '\nd\re\n']), ['a', 'b', '', 'c', 'd\re']);
  assert.is(s.pendingBytes, 0);
});

test('a multi-byte character split across chunks is decoded whole', () => {
  const s = new LineSplitter();
  const bytes = b('café ✓ 𝄞\n');
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...s.push(bytes.subarray(i, i + 1)));
  assert.equal(out, ['café ✓ 𝄞']);
});

test('invalid UTF-8 becomes replacement characters', () => {
  const s = new LineSplitter();
  assert.equal(s.push(Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0xc3, 0x0a, 0xe2, 0x82, 0x0a])), ['\ufffd\ufffdA', '\ufffd', '\ufffd']);
});

test('lines longer than the limit are cut to it and counted; exactly the limit is not', () => {
  const s = new LineSplitter(8);
  const out = feed(s, ['12345678\n', '12345678\r\n', '123456789\n', 'abcdefghijklmnop', 'qrstuvwxyz\nok\n']);
  assert.equal(out, ['12345678', '12345678', '12345678', 'abcdefgh', 'ok']);
  assert.is(s.takeOversized(), 2);
  assert.is(s.takeOversized(), 0);
});

test('a cut never splits a character', () => {
  const s = new LineSplitter(5);
  assert.equal(s.push(b('abcdé\n')), ['abcd']);
  assert.equal(feed(s, ['ab', 'cd€xyz\n']), ['abcd']);
  assert.equal(s.push(b('a€€\n')), ['a€']);
  assert.is(s.takeOversized(), 3);
});

test('a 5 MB line is skipped as it streams in, holding at most the limit', () => {
  const max = 64 * 1024;
  const s = new LineSplitter(max);
  const piece = Buffer.alloc(64 * 1024, 'x');
  const out = [...s.push(b('before\nxx'))];
  let maxBuffered = 0;
  for (let sent = 2; sent < 5 * 1024 * 1024; sent += piece.length) {
    out.push(...s.push(piece));
    maxBuffered = Math.max(maxBuffered, s.bufferedBytes);
  }
  assert.ok(s.pendingBytes > 5 * 1024 * 1024, 'the skipped bytes are counted as pending');
  out.push(...s.push(b('yy\nafter\n')));
  assert.ok(maxBuffered <= max + 1, `held ${maxBuffered} bytes`);
  assert.is(out.length, 3);
  assert.is(out[0], 'before');
  assert.is(out[1], 'x'.repeat(max));
  assert.is(out[2], 'after');
  assert.is(s.takeOversized(), 1);
  assert.is(s.pendingBytes, 0);
});

test('a long line inside one chunk is cut too', () => {
  const s = new LineSplitter(100);
  const long = 'é'.repeat(5000);
  assert.equal(s.push(b(`a\n${long}\nb\n`)), ['a', 'é'.repeat(50), 'b']);
  assert.is(s.takeOversized(), 1);
});

test('flush of an oversized unterminated line returns it cut', () => {
  const s = new LineSplitter(4);
  s.push(b('abcdefgh'));
  assert.is(s.flush(), 'abcd');
  assert.is(s.takeOversized(), 1);
});

test('skipToNextLine drops the rest of the current line', () => {
  const s = new LineSplitter();
  s.skipToNextLine();
  assert.equal(s.push(b('end of a line')), []);
  assert.equal(s.push(b(' still\nnext\n')), ['next']);
  s.skipToNextLine();
  assert.is(s.flush(), null);
});

test('random bytes in random chunks give the same lines as splitting the whole input', () => {
  for (let round = 0; round < 60; round++) {
    const rand = rng(round + 1);
    const { max, data } = randomLines(rand, round);
    const s = new LineSplitter(max);
    const out: string[] = [];
    for (let i = 0; i < data.length; ) {
      const n = chunkLength(rand);
      const chunk = Buffer.from(data.subarray(i, i + n));
      out.push(...s.push(chunk));
      chunk.fill(0x0a);
      i += n;
    }
    const want = reference(data, max);
    assert.equal(out, want.lines, `round ${round}`);
    assert.is(s.takeOversized(), want.oversized, `round ${round} oversized`);
    assert.is(s.pendingBytes, want.tail, `round ${round} pending`);
  }
});

test.run();
