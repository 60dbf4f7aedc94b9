// The floor for the daemon's real path: the exporter's own file follower and line splitter turn every
// appended line into a string and do nothing else. Prints `ready` once the file is followed, then
// `done <lines> <peakRssKiB>` when `want` lines were read.
//   node bench/tools/follow-floor-worker.mjs FILE WANT
import { readFileSync } from 'node:fs';
import { createFileFollower } from '../../dist/logs/source/file-follower.js';

const [file, wantText] = process.argv.slice(2);
const want = Number(wantText);
let lines = 0;
let keep = 0;
const follower = createFileFollower({
  path: file,
  startAt: 'end',
  handlers: {
    lines(batch) {
      for (const l of batch) keep += l.length & 1;
      lines += batch.length;
      if (lines >= want) {
        const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
        process.stdout.write(`done ${lines} ${hwm ? hwm[1] : 0} ${keep & 1}\n`);
      }
    },
    rotation() {},
    oversized() {},
    warn(message) {
      process.stderr.write(`${message}\n`);
    },
  },
});
await follower.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void follower.stop().then(() => process.exit(0));
});
