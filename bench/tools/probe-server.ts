/**
 * Loopback servers for the probe benchmark, in a process of their own: the STARTTLS SMTP server of
 * the probe tests, and a plain TLS server with the same certificate for the bare-handshake baseline.
 * Prints `{"smtp": PORT, "tls": PORT}` once listening; on SIGTERM prints its CPU time and exits.
 */
import tls from 'node:tls';
import { pki, startFakeSmtpServer } from '../../test/helpers/fake-smtp-server.js';

const smtp = await startFakeSmtpServer({ tls: { minVersion: 'TLSv1.2' } });
const bare = tls.createServer({ cert: pki('server.crt'), key: pki('server.key'), minVersion: 'TLSv1.2' }, (socket) => {
  socket.on('error', () => {});
  socket.end();
});
bare.on('tlsClientError', () => {});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
const port = (bare.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ smtp: smtp.port, tls: port })}\n`);
// the fake server keeps what it saw for the tests; a benchmark does not need it
setInterval(() => {
  smtp.received.length = 0;
  smtp.handshakes.length = 0;
}, 1000).unref();
process.once('SIGTERM', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(`cpu ${(cpu.user + cpu.system) / 1000} connections ${smtp.connections}\n`);
  bare.close();
  void smtp.close();
  setTimeout(() => process.exit(0), 100);
});
