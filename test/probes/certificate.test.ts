import { X509Certificate } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSubjectAltName, signatureAlgorithm } from '../../src/probes/certificate.js';
import { pki } from '../helpers/fake-smtp-server.js';

test('signature algorithm read from the DER of the test certificates', () => {
  for (const name of ['server.crt', 'ca.crt', 'expired.crt', 'selfsigned.crt']) {
    assert.is(signatureAlgorithm(new X509Certificate(pki(name)).raw), 'sha256WithRSAEncryption', name);
  }
});

test('unparsable DER gives null', () => {
  assert.is(signatureAlgorithm(Buffer.from([0x30, 0x82, 0xff])), null);
  assert.is(signatureAlgorithm(Buffer.alloc(0)), null);
});

test('subjectAltName text to entries', () => {
  assert.equal(parseSubjectAltName('DNS:mx.corpus.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1'), [
    'DNS:mx.corpus.test',
    'DNS:localhost',
    'IP:127.0.0.1',
    'IP:0:0:0:0:0:0:0:1',
  ]);
  assert.equal(parseSubjectAltName('DNS:"a, b.example", DNS:c.example'), ['DNS:a, b.example', 'DNS:c.example']);
  assert.equal(parseSubjectAltName(undefined), []);
});

test.run();
