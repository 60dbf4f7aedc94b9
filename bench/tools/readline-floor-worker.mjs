// Node.js's own way to read a file line by line: readline over a read stream, every line a string
// and nothing else. Prints {lines, ms, peakRssKiB} as JSON.
//   node bench/tools/readline-floor-worker.mjs FILE
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.argv[2];
const t0 = performance.now();
let lines = 0;
let keep = 0;
const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
for await (const line of rl) {
  keep += line.length & 1; // use the string so that it is really made
  lines++;
}
const ms = performance.now() - t0;
const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(`${JSON.stringify({ lines, ms, peakRssKiB: hwm ? Number(hwm[1]) : null, keep })}\n`);
