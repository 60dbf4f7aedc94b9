import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ehloKeywords, offersStarttls, parseReplies, parseReplyLine, ReplyAssembler, SmtpProtocolError } from '../../src/probes/smtp-reply.js';

test('reply lines: continuation, final, bare code', () => {
  assert.equal(parseReplyLine('250-PIPELINING'), { code: 250, final: false, text: 'PIPELINING' });
  assert.equal(parseReplyLine('250 OK'), { code: 250, final: true, text: 'OK' });
  assert.equal(parseReplyLine('250'), { code: 250, final: true, text: '' });
  assert.is(parseReplyLine('25O OK'), null);
  assert.is(parseReplyLine('HTTP/1.1 400'), null);
  assert.is(parseReplyLine('2500 x'), null);
});

test('multi-line replies are assembled until the final line', () => {
  const replies = parseReplies('220-mx.example ESMTP\r\n220-no UCE\r\n220 ready\r\n250-mx.example\n250 STARTTLS\n');
  assert.is(replies.length, 2);
  assert.is(replies[0]?.code, 220);
  assert.equal(replies[0]?.lines, ['mx.example ESMTP', 'no UCE', 'ready']);
  assert.equal(replies[1]?.raw, ['250-mx.example', '250 STARTTLS']);
});

test('a code that changes within a reply is a protocol error', () => {
  const a = new ReplyAssembler();
  assert.is(a.push('250-first'), null);
  assert.throws(() => a.push('550 second'), (e: unknown) => e instanceof SmtpProtocolError);
});

test('malformed lines are protocol errors', () => {
  assert.throws(() => new ReplyAssembler().push('hello'), /malformed/);
});

test('EHLO keywords: every line after the first, upper-cased, with parameters', () => {
  const [reply] = parseReplies('250-mx.example Hello [127.0.0.1]\r\n250-SIZE 10240000\r\n250-auth PLAIN LOGIN\r\n250-starttls\r\n250 ENHANCEDSTATUSCODES\r\n');
  assert.equal(ehloKeywords(reply!), [
    { keyword: 'SIZE', params: ['10240000'] },
    { keyword: 'AUTH', params: ['PLAIN', 'LOGIN'] },
    { keyword: 'STARTTLS', params: [] },
    { keyword: 'ENHANCEDSTATUSCODES', params: [] },
  ]);
  assert.ok(offersStarttls(reply!));
});

test('STARTTLS only in the greeting line or inside another word is not an offer', () => {
  const [inGreeting] = parseReplies('250-mx.example STARTTLS\r\n250 SIZE\r\n');
  assert.not.ok(offersStarttls(inGreeting!));
  const [partial] = parseReplies('250-mx.example\r\n250-XSTARTTLS\r\n250 X-STARTTLS-LATER\r\n');
  assert.not.ok(offersStarttls(partial!));
  const [single] = parseReplies('250 mx.example\r\n');
  assert.equal(ehloKeywords(single!), []);
});

test('STARTTLS with trailing blanks on the final line', () => {
  const [reply] = parseReplies('250-mx.example\r\n250 STARTTLS  \r\n');
  assert.ok(offersStarttls(reply!));
});

test.run();
