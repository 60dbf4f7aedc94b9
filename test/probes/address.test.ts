import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatHostPort, parseHostPort } from '../../src/probes/address.js';

test('host alone takes port 25', () => {
  assert.equal(parseHostPort('mx.example.net'), { host: 'mx.example.net', port: 25 });
  assert.equal(parseHostPort('127.0.0.1'), { host: '127.0.0.1', port: 25 });
});

test('host:port, [v6]:port and bare IPv6', () => {
  assert.equal(parseHostPort('mx.example.net:2525'), { host: 'mx.example.net', port: 2525 });
  assert.equal(parseHostPort('[::1]:2525'), { host: '::1', port: 2525 });
  assert.equal(parseHostPort('[::1]'), { host: '::1', port: 25 });
  assert.equal(parseHostPort('2001:db8::25'), { host: '2001:db8::25', port: 25 });
});

test('invalid addresses are explained', () => {
  for (const bad of ['', 'mx.example.net:0', 'mx.example.net:70000', 'mx.example.net:smtp', '[mx.example.net]:25', 'a b:25', 'fe80::1:x:25', 'http://mx:25']) {
    assert.type(parseHostPort(bad), 'string', bad);
  }
});

test('formatHostPort brackets IPv6 only', () => {
  assert.is(formatHostPort('::1', 25), '[::1]:25');
  assert.is(formatHostPort('127.0.0.1', 25), '127.0.0.1:25');
});

test.run();
