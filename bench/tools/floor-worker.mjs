// The floor for any Node.js log reader: read a file in 1 MiB chunks and turn every line into a
// string, nothing else. Prints {lines, ms, peakRssKiB} as JSON.
//   node bench/tools/floor-worker.mjs FILE
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const file = process.argv[2];
const CHUNK = 1024 * 1024;
const buf = Buffer.allocUnsafe(CHUNK);
const fd = openSync(file, 'r');
const t0 = performance.now();
let lines = 0;
let held = Buffer.alloc(0);
let keep = 0;
for (;;) {
  const n = readSync(fd, buf, 0, CHUNK, null);
  if (n === 0) break;
  let s = 0;
  let nl = buf.indexOf(0x0a, 0);
  if (held.length > 0 && nl !== -1 && nl < n) {
    const line = Buffer.concat([held, buf.subarray(0, nl)]).toString('utf8');
    keep += line.length & 1;
    lines++;
    held = Buffer.alloc(0);
    s = nl + 1;
  }
  for (;;) {
    nl = buf.indexOf(0x0a, s);
    if (nl === -1 || nl >= n) break;
    const line = buf.toString('utf8', s, nl);
    keep += line.length & 1; // use the string so that it is really made
    lines++;
    s = nl + 1;
  }
  if (s < n) held = Buffer.concat([held, buf.subarray(s, n)]);
}
const ms = performance.now() - t0;
closeSync(fd);
const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(`${JSON.stringify({ lines, ms, peakRssKiB: hwm ? Number(hwm[1]) : null, keep })}\n`);
