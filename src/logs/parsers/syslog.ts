/**
 * Splits the syslog header off a mail log line. Handles what rsyslog, syslog-ng and Postfix's own
 * `maillog_file` write:
 *   Nov 23 03:11:31 vm postfix/strict/smtpd[18572]: connect from localhost[127.0.0.1]    (RFC 3164)
 *   2026-11-23T03:11:31.123456+00:00 vm postfix/smtpd[18572]: connect from …          (RFC 3339)
 *   <22>Nov 23 03:11:31 vm sm-mta[1234]: …                                             (with PRI)
 */
import { localTime, localTimeNear, localYear } from './local-time.js';
import type { LogLine } from './types.js';

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

const SYSLOG =
  /^(?:<\d{1,3}>)?(?:([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)) (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/s;

const DAY_MS = 86_400_000;

/**
 * An RFC 3164 time, which has no year or zone: local time in the year of `now`, or the year before
 * when that would put it more than a day in the future (a December line read in January).
 */
function yearlessTime(now: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const year = localYear(now);
  const time = localTimeNear(year, month, day, hour, minute, second);
  return time > now + DAY_MS ? localTime(year - 1, month, day, hour, minute, second) : time;
}

/** Parses the header of one line; RFC 3164 times are read as yearlessTime says. */
export function parseSyslogLine(raw: string, now: number): LogLine | null {
  const m = SYSLOG.exec(raw);
  if (!m) return null;
  let time: number;
  if (m[1] !== undefined) {
    const month = MONTHS[m[1]];
    if (month === undefined) return null;
    time = yearlessTime(now, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  } else {
    time = Date.parse(m[6]!);
  }
  let message = m[10]!;
  // Files copied from other systems may end their lines with CRLF.
  if (message.charCodeAt(message.length - 1) === 13) message = message.slice(0, -1);
  return { time, host: m[7]!, program: m[8]!, pid: m[9] ?? '', message };
}

/** Where the fields of a header found by scanSyslogHeader are, as byte offsets into the buffer. */
export interface SyslogHeaderScan {
  time: number;
  hostStart: number;
  hostEnd: number;
  /**
   * Set by the caller: the host of an earlier line. When this line has the same host, `sameHost` is
   * true (the host is then compared, not scanned).
   */
  knownHost: Uint8Array;
  sameHost: boolean;
  programStart: number;
  programEnd: number;
  /** FNV-1a hash of the program tag's bytes. */
  programHash: number;
  /** pidStart === pidEnd when the tag has no pid. */
  pidStart: number;
  pidEnd: number;
  /** The pid as a number when it has 1 to 9 digits and no leading zero (so that it stands for one text); -1 otherwise. */
  pidValue: number;
  messageStart: number;
  messageEnd: number;
}

export function newHeaderScan(): SyslogHeaderScan {
  return {
    time: 0,
    hostStart: 0,
    hostEnd: 0,
    knownHost: new Uint8Array(0),
    sameHost: false,
    programStart: 0,
    programEnd: 0,
    programHash: 0,
    pidStart: 0,
    pidEnd: 0,
    pidValue: -1,
    messageStart: 0,
    messageEnd: 0,
  };
}

const SP = 0x20;
const COLON = 0x3a;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Month index of three ASCII bytes (`Jan` … `Dec`), or -1. */
function monthOf(a: number, b: number, c: number): number {
  switch ((a << 16) | (b << 8) | c) {
    case 0x4a616e: return 0; // Jan
    case 0x466562: return 1; // Feb
    case 0x4d6172: return 2; // Mar
    case 0x417072: return 3; // Apr
    case 0x4d6179: return 4; // May
    case 0x4a756e: return 5; // Jun
    case 0x4a756c: return 6; // Jul
    case 0x417567: return 7; // Aug
    case 0x536570: return 8; // Sep
    case 0x4f6374: return 9; // Oct
    case 0x4e6f76: return 10; // Nov
    case 0x446563: return 11; // Dec
    default: return -1;
  }
}

/** ASCII whitespace as `\s` sees it (bytes ≥ 0x80 never get this far). */
const isSpace = (c: number): boolean => c === SP || (c >= 0x09 && c <= 0x0d);

/** A pid of 1 to 9 digits without a leading zero: the only text of its number. */
function pidStandsAlone(digits: number, leadingZero: boolean): boolean {
  return digits > 0 && digits <= 9 && !(digits > 1 && leadingZero);
}

/** Days from 1970-01-01 to the given proleptic Gregorian date (month 1–12); a day past the month's end runs on, as in Date.UTC. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Two ASCII digits at `i` as a number, or -1. */
function twoDigits(buf: Uint8Array, i: number): number {
  const a = (buf[i]! - 0x30) >>> 0;
  const b = (buf[i + 1]! - 0x30) >>> 0;
  return a > 9 || b > 9 ? -1 : a * 10 + b;
}

/** Epoch ms of the last RFC 3339 timestamp read by rfc3339At. */
let isoTime = 0;

/**
 * Reads `YYYY-MM-DDThh:mm:ss[.fff…](Z|±hh:mm|±hhmm)` at `i` (what rsyslog's RSYSLOG_FileFormat, the
 * default since Debian 12, writes) into isoTime, and returns the index after it, or -1. Only forms
 * whose value Date.parse gives unambiguously are taken: no zone (local time), hour 24, a day of 0 or
 * over 31, out-of-range offsets and fractions of more than 9 digits are left to the string path.
 * Fractions are cut to milliseconds, as Date.parse does.
 */
function rfc3339At(buf: Uint8Array, i: number, end: number): number {
  if (i + 20 > end || buf[i + 4] !== 0x2d || buf[i + 7] !== 0x2d || buf[i + 10] !== 0x54 /* T */) return -1;
  if (buf[i + 13] !== COLON || buf[i + 16] !== COLON) return -1;
  const y1 = twoDigits(buf, i), y2 = twoDigits(buf, i + 2);
  const month = twoDigits(buf, i + 5), day = twoDigits(buf, i + 8);
  const hour = twoDigits(buf, i + 11), minute = twoDigits(buf, i + 14), second = twoDigits(buf, i + 17);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1 || day > 31) return -1;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  let j = i + 19;
  let ms = 0;
  if (buf[j] === 0x2e /* . */) {
    j++;
    const first = j;
    let scale = 100;
    while (j < end) {
      const d = (buf[j]! - 0x30) >>> 0;
      if (d > 9) break;
      ms += d * scale;
      scale = scale / 10 | 0;
      j++;
    }
    // Date.parse reads longer fractions differently (it keeps the digits that fit in an int)
    if (j === first || j - first > 9) return -1;
  }
  if (j >= end) return -1;
  let offsetMinutes: number;
  const z = buf[j];
  if (z === 0x5a /* Z */) {
    offsetMinutes = 0;
    j++;
  } else if (z === 0x2b /* + */ || z === 0x2d /* - */) {
    const oh = twoDigits(buf, j + 1);
    const colon = buf[j + 3] === COLON ? 1 : 0;
    const om = j + 5 + colon <= end ? twoDigits(buf, j + 3 + colon) : -1;
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return -1;
    offsetMinutes = (z === 0x2b ? 1 : -1) * (oh * 60 + om);
    j += 5 + colon;
  } else {
    return -1;
  }
  const days = daysFromCivil(y1 * 100 + y2, month, day);
  isoTime = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + ms;
  return j;
}

/**
 * The byte-level twin of parseSyslogLine for the common cases: an RFC 3164 header, or one with an
 * RFC 3339 timestamp and zone (optionally with a PRI), made of ASCII only. Fills `out` with what
 * parseSyslogLine would return, as offsets into `buf[start, end)`, and returns true; returns false for
 * anything else (timestamps without a zone, bytes outside ASCII before the message, lines that are
 * not syslog at all), which the caller then hands to parseSyslogLine as a string. The message is
 * everything after the tag: decoding `buf` from `messageStart` gives the same text as decoding the
 * whole line and cutting it there, because the header is ASCII.
 */
export function scanSyslogHeader(buf: Uint8Array, start: number, end: number, now: number, out: SyslogHeaderScan): boolean {
  let i = start;
  let c = i < end ? buf[i]! : 0;
  if (c === 0x3c /* < */) {
    let j = i + 1;
    while (j < end && j - i <= 3 && buf[j]! - 0x30 >>> 0 <= 9) j++;
    if (j === i + 1 || j - i > 4 || j >= end || buf[j] !== 0x3e /* > */) return false;
    i = j + 1;
  }
  if ((buf[i]! - 0x30) >>> 0 <= 9) {
    const after = rfc3339At(buf, i, end);
    if (after < 0 || after >= end || buf[after] !== SP) return false;
    return scanTag(buf, after + 1, end, isoTime, out);
  }
  // `Mmm` ` {1,2}` `d{1,2}` ` ` `hh:mm:ss` ` `
  if (i + 15 > end) return false;
  const month = monthOf(buf[i]!, buf[i + 1]!, buf[i + 2]!);
  if (month < 0 || buf[i + 3] !== SP) return false;
  i += 4;
  if (buf[i] === SP) i++;
  let d = (buf[i]! - 0x30) >>> 0;
  if (d > 9) return false;
  let day = d;
  i++;
  d = (buf[i]! - 0x30) >>> 0;
  if (d <= 9) {
    day = day * 10 + d;
    i++;
  }
  if (buf[i] !== SP || i + 9 > end) return false;
  const h1 = (buf[i + 1]! - 0x30) >>> 0, h2 = (buf[i + 2]! - 0x30) >>> 0;
  const m1 = (buf[i + 4]! - 0x30) >>> 0, m2 = (buf[i + 5]! - 0x30) >>> 0;
  const s1 = (buf[i + 7]! - 0x30) >>> 0, s2 = (buf[i + 8]! - 0x30) >>> 0;
  if (h1 > 9 || h2 > 9 || m1 > 9 || m2 > 9 || s1 > 9 || s2 > 9 || buf[i + 3] !== COLON || buf[i + 6] !== COLON) return false;
  i += 9;
  if (i >= end || buf[i] !== SP) return false;
  return scanTag(buf, i + 1, end, yearlessTime(now, month, day, h1 * 10 + h2, m1 * 10 + m2, s1 * 10 + s2), out);
}

/** The rest of the header after the timestamp and its space: `host program[pid]: `. */
function scanTag(buf: Uint8Array, from: number, end: number, time: number, out: SyslogHeaderScan): boolean {
  let i = from;
  let c = 0;
  let d = 0;
  // host: \S+ then one space
  const hostStart = i;
  const known = out.knownHost;
  const kl = known.length;
  let same = kl > 0 && i + kl < end && buf[i + kl] === SP;
  if (same) {
    for (let k = 0; k < kl; k++) {
      if (buf[i + k] !== known[k]) {
        same = false;
        break;
      }
    }
  }
  if (same) {
    i += kl;
  } else {
    while (i < end) {
      c = buf[i]!;
      if (c >= 0x80) return false;
      if (isSpace(c)) break;
      i++;
    }
    if (i === hostStart || i >= end || buf[i] !== SP) return false;
  }
  const hostEnd = i;
  i++;
  // program: [^\s[:]+
  const programStart = i;
  let hash = 0x811c9dc5;
  while (i < end) {
    c = buf[i]!;
    if (c === LBRACKET || c === COLON || c === SP) break;
    if (c >= 0x80 || (c >= 0x09 && c <= 0x0d)) return false;
    hash = Math.imul(hash ^ c, 0x01000193);
    i++;
  }
  if (i === programStart || i >= end || c === SP) return false;
  const programEnd = i;
  let pidStart = i;
  let pidEnd = i;
  let pid = 0;
  if (c === LBRACKET) {
    i++;
    pidStart = i;
    while (i < end) {
      d = (buf[i]! - 0x30) >>> 0;
      if (d > 9) break;
      pid = pid * 10 + d;
      i++;
    }
    if (i === pidStart || i >= end || buf[i] !== RBRACKET) return false;
    pidEnd = i;
    i++;
  }
  if (i >= end || buf[i] !== COLON) return false;
  i++;
  if (i < end && buf[i] === SP) i++;
  let messageEnd = end;
  // Files copied from other systems may end their lines with CRLF.
  if (messageEnd > i && buf[messageEnd - 1] === 0x0d) messageEnd--;
  const pidLen = pidEnd - pidStart;
  out.time = time;
  out.hostStart = hostStart;
  out.hostEnd = hostEnd;
  out.sameHost = same;
  out.programStart = programStart;
  out.programEnd = programEnd;
  out.programHash = hash >>> 0;
  out.pidStart = pidStart;
  out.pidEnd = pidEnd;
  out.pidValue = pidStandsAlone(pidLen, buf[pidStart] === 0x30) ? pid : -1;
  out.messageStart = i;
  out.messageEnd = messageEnd;
  return true;
}
