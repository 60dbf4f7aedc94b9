/** One journal record → a syslog-shaped line the dispatcher understands. */

export interface JournalRecord {
  cursor: string;
  /** `2026-11-23T03:11:31.123456Z host ident[pid]: message`, or null when the record has no message. */
  line: string | null;
}

/** The fields of a record that the line is made of (the others are not read). */
export const JOURNAL_FIELDS = [
  '__CURSOR', '__REALTIME_TIMESTAMP', 'MESSAGE', 'SYSLOG_IDENTIFIER', '_COMM', 'SYSLOG_PID', '_PID', '_HOSTNAME',
] as const;

export type JournalFields = { [F in (typeof JOURNAL_FIELDS)[number]]?: string };

/** The record of these fields; null without a cursor (not a journal entry). */
export function journalRecord(f: JournalFields): JournalRecord | null {
  const cursor = f.__CURSOR;
  if (!cursor) return null;
  const message = f.MESSAGE;
  const ident = f.SYSLOG_IDENTIFIER || f._COMM;
  if (message === undefined || !ident) return { cursor, line: null };
  const micros = Number(f.__REALTIME_TIMESTAMP ?? NaN);
  const time = Number.isFinite(micros) ? new Date(Math.floor(micros / 1000)).toISOString() : new Date(0).toISOString();
  const pid = f.SYSLOG_PID ?? f._PID;
  const host = f._HOSTNAME ?? 'localhost';
  return { cursor, line: `${time} ${host} ${ident}${pid ? `[${pid}]` : ''}: ${message.replace(/\n/g, ' ')}` };
}
