/**
 * Run by syslog.test.ts in a child process with a given TZ: compares the local times read from RFC
 * 3164 headers (as strings and as bytes) and from Exim mainlog lines with `new Date(…)`, on the days
 * of daylight-saving changes and for fields out of range (which Date rolls over), and prints every
 * mismatch, one per line.
 */
import { parseEximMainlog } from '../../../src/logs/parsers/exim-lines.js';
import { newHeaderScan, parseSyslogLine, scanSyslogHeader } from '../../../src/logs/parsers/syslog.js';

const NOW = new Date(2026, 10, 23, 12, 0, 0).getTime();
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS: [number, number][] = [
  [2, 8], [2, 29], [3, 5], [9, 4], [9, 25], [10, 1], [2, 1], [6, 15],
];
const p2 = (n: number): string => String(n).padStart(2, '0');
const scan = newHeaderScan();

let checked = 0;
function check(what: string, got: number | undefined, want: number): void {
  if (got !== want) console.log(`${what} -> ${got} want ${want}`);
  checked++;
}

/** One RFC 3164 line and one Exim line for these fields, each read as a string and (syslog) as bytes. */
function checkFields(month: number, day: number, hour: number, minute: number, second: number, ms: number): void {
  const raw = `${MON[month]} ${String(day).padStart(2, ' ')} ${p2(hour)}:${p2(minute)}:${p2(second)} vm postfix/smtpd[1]: x`;
  const want = new Date(2026, month, day, hour, minute, second).getTime();
  // a time more than a day ahead of NOW is taken as last year's
  const wantSyslog = want > NOW + 86_400_000 ? new Date(2025, month, day, hour, minute, second).getTime() : want;
  check(raw, parseSyslogLine(raw, NOW)?.time, wantSyslog);
  const buf = Buffer.from(raw, 'latin1');
  check(`${raw} (bytes)`, scanSyslogHeader(buf, 0, buf.length, NOW, scan) ? scan.time : undefined, wantSyslog);
  const exim = `2026-${p2(month + 1)}-${p2(day)} ${p2(hour)}:${p2(minute)}:${p2(second)}.${String(ms).padStart(3, '0')} 1xVKgP-0006he-2r Completed`;
  check(exim, parseEximMainlog(exim)?.time, new Date(2026, month, day, hour, minute, second, ms).getTime());
}

for (const [month, day] of DAYS) {
  for (let hour = 0; hour < 24; hour++) {
    for (const [minute, second] of [[0, 0], [15, 7], [30, 0], [45, 30], [59, 59]] as const) {
      checkFields(month, day, hour, minute, second, (hour * 37 + minute) % 1000);
    }
  }
}
// Out of range: each after the in-range time that rolls over to the same hour or next to it.
for (const [month, day] of DAYS) {
  for (const hour of [0, 1, 2, 3, 23]) {
    checkFields(month, day, hour, 59, 59, 999);
    checkFields(month, day, hour, 60, 0, 0);
    checkFields(month, day, hour, 0, 60, 0);
    checkFields(month, day, hour, 99, 99, 0);
    checkFields(month, day, hour + 1, 0, 0, 0);
  }
  checkFields(month, day, 24, 0, 0, 0);
  checkFields(month, day + 1, 0, 0, 0, 0);
  checkFields(month, day, 99, 30, 0, 0);
}
for (const month of [0, 1, 3, 10, 11]) {
  for (const day of [0, 31, 32, 99]) checkFields(month, day, 12, 0, 0, 0);
  if (month < 11) checkFields(month + 1, 0, 12, 0, 0, 0);
}
console.log(`checked ${checked}`);
