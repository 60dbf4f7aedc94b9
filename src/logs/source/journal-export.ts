/**
 * Reads `journalctl --output=export` as it streams in (journalctl writes this format several times
 * faster than JSON). An entry is a run of fields ended by an empty line. A field is `NAME=value\n`,
 * or, when the value holds newlines or other control bytes, `NAME\n`, the value's length as a 64-bit
 * little-endian number, the value and `\n`. Only the fields of JournalFields are kept; values longer
 * than `maxValueBytes` are cut there (and counted), so memory stays bounded whatever a field holds.
 */
import { JOURNAL_FIELDS, journalRecord, type JournalFields, type JournalRecord } from './journal-entry.js';

const enum State {
  Line,
  Length,
  Data,
  DataEnd,
}

const NL = 0x0a;
const EQ = 0x3d;
const MAX_NAME_BYTES = 64;
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;

/** The wanted field names by length, with their bytes: a name is compared, not decoded. */
const BY_LENGTH: { name: string; bytes: Buffer }[][] = [];
for (const name of JOURNAL_FIELDS) (BY_LENGTH[name.length] ??= []).push({ name, bytes: Buffer.from(name, 'latin1') });

/** The wanted field named by `buf[start, end)`, or ''. */
function wantedName(buf: Buffer, start: number, end: number): string {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return '';
  for (const c of candidates) {
    let i = 0;
    while (i < c.bytes.length && buf[start + i] === c.bytes[i]) i++;
    if (i === c.bytes.length) return c.name;
  }
  return '';
}

/** Node's Buffer decoder without the argument handling of toString(). */
type FastBuffer = Buffer & { utf8Slice(start: number, end: number): string };

/** Every field present from the start, so that all records share one object shape. */
const NO_FIELDS: JournalFields = Object.fromEntries(JOURNAL_FIELDS.map((f) => [f, undefined]));
const emptyFields = (): JournalFields => ({ ...NO_FIELDS });

/** The pieces a value came in, as one buffer. */
const joined = (parts: Buffer[], bytes?: number): Buffer => (parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes));

export class JournalExportReader {
  private state = State.Line;
  /** The current text line, in the pieces it came in (at most maxValueBytes + a name of it kept). */
  private line: Buffer[] = [];
  private lineBytes = 0;
  private lineCut = false;
  private readonly length = Buffer.alloc(8);
  private lengthHave = 0;
  /** The binary field being read: its name when kept, '' when it is passed over. */
  private binaryName = '';
  private remaining = 0;
  private data: Buffer[] = [];
  private dataBytes = 0;
  private dataCut = false;
  private fields: JournalFields = emptyFields();
  private fieldCount = 0;
  private cut = 0;

  constructor(private readonly maxValueBytes = DEFAULT_MAX_VALUE_BYTES) {}

  /** The entries completed by this chunk, in order. */
  push(chunk: Buffer): JournalRecord[] {
    const out: JournalRecord[] = [];
    let p = 0;
    const n = chunk.length;
    while (p < n) {
      switch (this.state) {
        case State.Line: {
          const nl = chunk.indexOf(NL, p);
          if (nl < 0) {
            this.addLine(chunk, p, n);
            p = n;
          } else if (this.line.length === 0 && !this.lineCut) {
            // the whole line is in this chunk: read in place
            this.readLine(chunk, p, nl, false, out);
            p = nl + 1;
          } else {
            this.addLine(chunk, p, nl);
            p = nl + 1;
            const text = joined(this.line);
            const cut = this.lineCut;
            this.line = [];
            this.lineBytes = 0;
            this.lineCut = false;
            this.readLine(text, 0, text.length, cut, out);
          }
          break;
        }
        case State.Length: {
          const take = Math.min(8 - this.lengthHave, n - p);
          chunk.copy(this.length, this.lengthHave, p, p + take);
          this.lengthHave += take;
          p += take;
          if (this.lengthHave === 8) {
            const len = this.length.readBigUInt64LE(0);
            this.remaining = len > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(len);
            this.state = this.remaining === 0 ? State.DataEnd : State.Data;
          }
          break;
        }
        case State.Data: {
          const take = Math.min(this.remaining, n - p);
          if (this.binaryName !== '') this.addData(chunk, p, p + take);
          this.remaining -= take;
          p += take;
          if (this.remaining === 0) this.state = State.DataEnd;
          break;
        }
        case State.DataEnd: {
          // the value's closing newline; anything else means the stream lost step, so read on from here as a line
          if (chunk[p] === NL) p++;
          if (this.binaryName !== '') {
            const value = joined(this.data, this.dataBytes);
            this.setField(this.binaryName, (value as FastBuffer).utf8Slice(0, value.length), this.dataCut);
          }
          this.data = [];
          this.dataBytes = 0;
          this.dataCut = false;
          this.state = State.Line;
          break;
        }
      }
    }
    return out;
  }

  /** Values cut at maxValueBytes since the last call. */
  takeCut(): number {
    const c = this.cut;
    this.cut = 0;
    return c;
  }

  private addLine(chunk: Buffer, start: number, end: number): void {
    if (start === end) return;
    // room for the longest wanted name, `=` and the value
    const room = this.maxValueBytes + 32 - this.lineBytes;
    if (room <= 0) {
      this.lineCut = true;
      return;
    }
    if (end - start > room) {
      end = start + room;
      this.lineCut = true;
    }
    this.line.push(chunk.subarray(start, end));
    this.lineBytes += end - start;
  }

  /** One line `buf[start, end)` without its newline; `cut`: it was longer than what was kept. */
  private readLine(buf: Buffer, start: number, end: number, cut: boolean, out: JournalRecord[]): void {
    if (start === end) {
      if (this.fieldCount > 0) {
        const rec = journalRecord(this.fields);
        if (rec !== null) out.push(rec);
      }
      this.fields = emptyFields();
      this.fieldCount = 0;
      return;
    }
    // Field names are 1–64 of A–Z, 0–9 and `_`: a line without `=` in reach names a binary field. A
    // line that is neither is skipped, so that a stream that lost step finds its feet at the next field.
    const reach = Math.min(end, start + MAX_NAME_BYTES + 1);
    let eq = start;
    let nameOk = true;
    for (; eq < reach; eq++) {
      const c = buf[eq]!;
      if (c === EQ) break;
      if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f)) nameOk = false;
    }
    if (!nameOk || eq === start) return;
    this.fieldCount++;
    if (eq === reach) {
      if (end - start > MAX_NAME_BYTES) return;
      // a binary field: its name, then the length and the value
      this.binaryName = wantedName(buf, start, end);
      this.lengthHave = 0;
      this.state = State.Length;
      return;
    }
    const name = wantedName(buf, start, eq);
    if (name === '') return;
    let valueEnd = end;
    let valueCut = cut;
    if (valueEnd - eq - 1 > this.maxValueBytes) {
      valueEnd = eq + 1 + this.maxValueBytes;
      valueCut = true;
    }
    this.setField(name, (buf as FastBuffer).utf8Slice(eq + 1, valueEnd), valueCut);
  }

  private addData(chunk: Buffer, start: number, end: number): void {
    const room = this.maxValueBytes - this.dataBytes;
    if (end - start > room) {
      end = start + Math.max(0, room);
      this.dataCut = true;
    }
    if (end > start) {
      this.data.push(chunk.subarray(start, end));
      this.dataBytes += end - start;
    }
  }

  private setField(name: string, value: string, cut: boolean): void {
    if (cut && name === 'MESSAGE') this.cut++;
    (this.fields as Record<string, string>)[name] = value;
  }
}
