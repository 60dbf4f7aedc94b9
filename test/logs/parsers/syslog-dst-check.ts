/**
 * Run by syslog.test.ts in a child process with a given TZ: compares parsed RFC 3164 times with
 * `new Date(…)` on the days of daylight-saving changes and prints every mismatch, one per line.
 */
import { parseSyslogLine } from '../../../src/logs/parsers/syslog.js';

const NOW = new Date(2026, 10, 23, 12, 0, 0).getTime();
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS: [number, number][] = [
  [2, 8], [2, 29], [3, 5], [9, 4], [9, 25], [10, 1], [2, 1], [6, 15],
];

let checked = 0;
for (const [month, day] of DAYS) {
  for (let hour = 0; hour < 24; hour++) {
    for (const [minute, second] of [[0, 0], [15, 7], [30, 0], [45, 30], [59, 59]] as const) {
      const p2 = (n: number) => String(n).padStart(2, '0');
      const raw = `${MON[month]} ${String(day).padStart(2, ' ')} ${p2(hour)}:${p2(minute)}:${p2(second)} vm postfix/smtpd[1]: x`;
      const want = new Date(2026, month, day, hour, minute, second).getTime();
      const got = parseSyslogLine(raw, NOW)?.time;
      if (got !== want) console.log(`${raw} -> ${got} want ${want}`);
      checked++;
    }
  }
}
console.log(`checked ${checked}`);
