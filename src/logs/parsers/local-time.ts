/**
 * Local wall-clock times (RFC 3164 syslog headers, Exim's mainlog, Momentum) as epoch ms, equal to
 * `new Date(year, month, day, hour, minute, second).getTime()` but without its zone lookup per line:
 * the start of each local hour is computed once, and the minutes and seconds are added to it.
 */

/** The local year that contains the last `now` asked about, so that most lines need no Date. */
let yearStart = 0;
let yearEnd = -1;
let cachedYear = 0;

export function localYear(now: number): number {
  if (now >= yearStart && now < yearEnd) return cachedYear;
  cachedYear = new Date(now).getFullYear();
  yearStart = new Date(cachedYear, 0, 1).getTime();
  yearEnd = new Date(cachedYear + 1, 0, 1).getTime();
  return cachedYear;
}

/** Epoch of the start of each local hour seen; NaN for an hour with a zone change inside it. */
const hourStarts = new Map<number, number>();

function hourStart(key: number, year: number, month: number, day: number, hour: number): number {
  let start = hourStarts.get(key);
  if (start === undefined) {
    if (hourStarts.size >= 4096) hourStarts.clear();
    start = new Date(year, month, day, hour).getTime();
    if (new Date(year, month, day, hour, 59, 59).getTime() - start !== 3_599_000) start = Number.NaN;
    hourStarts.set(key, start);
  }
  return start;
}

/**
 * The hour's cache key, or -1 when a field is out of range (Date rolls such fields over; they are
 * computed in full, so that no two hours share a key and no minute or second runs past its hour).
 */
function hourKey(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year < 0 || month < 0 || month > 11 || day < 1 || day > 31 || hour < 0 || hour > 23) return -1;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  return ((year * 12 + month) * 32 + day) * 24 + hour;
}

/** The time `minute:second` into the hour that starts at `start`, computed in full when `start` is NaN. */
function inHour(start: number, year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (Number.isNaN(start)) return new Date(year, month, day, hour, minute, second).getTime();
  return start + minute * 60_000 + second * 1000;
}

/** `new Date(year, month, day, hour, minute, second).getTime()`, month 0–11. */
export function localTime(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const key = hourKey(year, month, day, hour, minute, second);
  return inHour(key < 0 ? Number.NaN : hourStart(key, year, month, day, hour), year, month, day, hour, minute, second);
}

/** The hour of the previous call of localTimeNear. */
let lastHourKey = -1;
let lastHourStart = 0;

/** localTime, with the hour of the previous call kept at hand: for lines that come in time order. */
export function localTimeNear(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const key = hourKey(year, month, day, hour, minute, second);
  if (key < 0) return inHour(Number.NaN, year, month, day, hour, minute, second);
  if (key !== lastHourKey) {
    lastHourStart = hourStart(key, year, month, day, hour);
    lastHourKey = key;
  }
  return inHour(lastHourStart, year, month, day, hour, minute, second);
}
