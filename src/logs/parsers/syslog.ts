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

/** The local year that contains the last `now` asked about, so that most lines need no Date. */
let yearStart = 0;
let yearEnd = -1;
let cachedYear = 0;

function localYear(now: number): number {
  if (now >= yearStart && now < yearEnd) return cachedYear;
  cachedYear = new Date(now).getFullYear();
  yearStart = new Date(cachedYear, 0, 1).getTime();
  yearEnd = new Date(cachedYear + 1, 0, 1).getTime();
  return cachedYear;
}

/**
 * Epoch of the start of each local hour seen, so that the minutes and seconds can simply be added;
 * NaN for an hour with a zone change inside it (half-hour DST shifts), which is computed in full.
 */
const hourStarts = new Map<number, number>();

function localTime(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const key = ((year * 12 + month) * 32 + day) * 24 + hour;
  let start = hourStarts.get(key);
  if (start === undefined) {
    if (hourStarts.size >= 4096) hourStarts.clear();
    start = new Date(year, month, day, hour).getTime();
    if (new Date(year, month, day, hour, 59, 59).getTime() - start !== 3_599_000) start = Number.NaN;
    hourStarts.set(key, start);
  }
  if (Number.isNaN(start)) return new Date(year, month, day, hour, minute, second).getTime();
  return start + minute * 60_000 + second * 1000;
}

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
    const year = localYear(now);
    const day = Number(m[2]);
    const hour = Number(m[3]);
    const minute = Number(m[4]);
    const second = Number(m[5]);
    time = localTime(year, month, day, hour, minute, second);
    if (time > now + DAY_MS) time = localTime(year - 1, month, day, hour, minute, second);
  } else {
    time = Date.parse(m[6]!);
  }
  let message = m[10]!;
  // Files copied from other systems may end their lines with CRLF.
  if (message.charCodeAt(message.length - 1) === 13) message = message.slice(0, -1);
  return { time, host: m[7]!, program: m[8]!, pid: m[9] ?? '', message };
}
