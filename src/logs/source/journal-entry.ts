/** One `journalctl --output=json` record → a syslog-shaped line the dispatcher understands. */

export interface JournalRecord {
  cursor: string;
  /** `2026-11-23T03:11:31.123456Z host ident[pid]: message`, or null when the record has no message. */
  line: string | null;
}

function field(v: unknown): string | null {
  if (typeof v === 'string') return v;
  // Binary-safe fields (invalid UTF-8, control characters) come as arrays of byte values.
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return null;
}

/** Parses one JSON line of `journalctl --output=json`; null when it is not a journal record. */
export function parseJournalJson(text: string): JournalRecord | null {
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch {
    return null;
  }
  if (!rec || typeof rec !== 'object') return null;
  const r = rec as Record<string, unknown>;
  const cursor = field(r.__CURSOR);
  if (!cursor) return null;
  const message = field(r.MESSAGE);
  const ident = field(r.SYSLOG_IDENTIFIER) ?? field(r._COMM);
  if (message === null || !ident) return { cursor, line: null };
  const micros = Number(field(r.__REALTIME_TIMESTAMP) ?? NaN);
  const time = Number.isFinite(micros) ? new Date(Math.floor(micros / 1000)).toISOString() : new Date(0).toISOString();
  const pid = field(r.SYSLOG_PID) ?? field(r._PID);
  const host = field(r._HOSTNAME) ?? 'localhost';
  return { cursor, line: `${time} ${host} ${ident}${pid ? `[${pid}]` : ''}: ${message.replace(/\n/g, ' ')}` };
}
