import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { certificateFacts, parseSubjectAltName, signatureAlgorithm } from '../../src/probes/certificate.js';
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

/** Runs `check` on a client connection to a TLS server presenting `cert`. */
async function withConnection(cert: Buffer, key: Buffer, check: (socket: tls.TLSSocket) => void): Promise<void> {
  const server = tls.createServer({ cert, key }, (socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'mx.corpus.test', ca: pki('ca.crt'), rejectUnauthorized: false });
  socket.on('error', () => {});
  try {
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    check(socket);
  } finally {
    socket.destroy();
    server.close();
  }
}

test('facts of a certificate seen before are those of a first look', async () => {
  const chain = Buffer.concat([pki('server.crt'), pki('ca.crt')]);
  await withConnection(chain, pki('server.key'), (socket) => {
    const first = certificateFacts(socket, 'mx.corpus.test');
    assert.is(first?.subject, 'O=Corpus Test, CN=mx.corpus.test');
    assert.equal(first?.chain.map((c) => c.subject), ['O=Corpus Test, CN=mx.corpus.test', 'O=Corpus Test, CN=Corpus Test CA']);
    assert.equal(certificateFacts(socket, 'mx.corpus.test'), first);
    assert.equal(certificateFacts(socket, 'mx.corpus.test', socket.getPeerCertificate(true)), first);
  });
  await withConnection(pki('expired.crt'), pki('expired.key'), (socket) => {
    const facts = certificateFacts(socket, 'expired.corpus.test');
    assert.is(facts?.subject, 'O=Corpus Test, CN=expired.corpus.test');
    assert.is(facts?.not_after, '2025-01-01T00:00:00.000Z');
    assert.is(facts?.chain[1]?.subject, 'O=Corpus Test, CN=Corpus Test CA');
  });
});

test.run();
