import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { peerOf, relayOf } from '../../../src/logs/parsers/postfix-lines.js';

test('peerOf drops the port after the bracketed address and keeps everything else', () => {
  const cases: [string, string][] = [
    ['gmail-smtp-in.l.google.com[74.125.128.27]:25', 'gmail-smtp-in.l.google.com[74.125.128.27]'],
    ['smtp-out24.example.com[2001:db8:5:923::fff3]:25', 'smtp-out24.example.com[2001:db8:5:923::fff3]'],
    ['[192.0.2.1]:587', '[192.0.2.1]'],
    ['unknown[203.0.113.5]', 'unknown[203.0.113.5]'],
    ['mail.example.com', 'mail.example.com'],
    ['', ''],
    [']', ']'],
    [']:25', ']'],
    ['a[b]c[d]:25', 'a[b]c[d]'],
  ];
  for (const [namaddr, peer] of cases) assert.is(peerOf(namaddr), peer, namaddr);
});

test('relayOf reads the relay of a status line without its port', () => {
  const m = '4F3A21C0D5: to=<a@example.org>, relay=mx.example.org[192.0.2.7]:25, delay=0.5, dsn=2.0.0, status=sent (250 ok)';
  assert.is(relayOf(m), 'mx.example.org[192.0.2.7]');
  assert.is(relayOf('4F3A21C0D5: to=<a@example.org>, relay=none, delay=0.5, status=deferred (x)'), 'none');
  assert.is(relayOf('4F3A21C0D5: removed'), '');
});

test.run();
