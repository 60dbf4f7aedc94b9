/**
 * Splits the syslog header off a mail log line. Handles what rsyslog, syslog-ng and Postfix's own
 * `maillog_file` write:
 *   Nov 23 03:11:31 vm postfix/strict/smtpd[18572]: connect from localhost[127.0.0.1]    (RFC 3164)
 *   2026-11-23T03:11:31.123456+00:00 vm postfix/smtpd[18572]: connect from …          (RFC 3339)
 *   <22>Nov 23 03:11:31 vm sm-mta[1234]: …                                             (with PRI)
 */
import type { LogLine } from './types.js';

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

const SYSLOG =
  /^(?:<\d{1,3}>)?(?:([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)) (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/s;

const DAY_MS = 86_400_000;

/**
 * Parses the header of one line. RFC 3164 timestamps carry no year or zone: they are read as local
 * time in the year of `now`, or the year before when that would put them more than a day in the future
 * (a December line read in January).
 */
export function parseSyslogLine(raw: string, now: number): LogLine | null {
  const m = SYSLOG.exec(raw);
  if (!m) return null;
  let time: number;
  if (m[1] !== undefined) {
    const month = MONTHS[m[1]];
    if (month === undefined) return null;
    const year = new Date(now).getFullYear();
    time = new Date(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
    if (time > now + DAY_MS) {
      time = new Date(year - 1, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
    }
  } else {
    time = Date.parse(m[6]!);
  }
  let message = m[10]!;
  // Files copied from other systems may end their lines with CRLF.
  if (message.charCodeAt(message.length - 1) === 13) message = message.slice(0, -1);
  return { time, host: m[7]!, program: m[8]!, pid: m[9] ?? '', message };
}
