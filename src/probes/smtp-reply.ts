/** SMTP replies (RFC 5321 §4.2): `ddd-text` continuation lines ended by one `ddd text` line. */

export interface SmtpReply {
  code: number;
  /** Text of every line, without code and separator. */
  lines: string[];
  /** The lines as received. */
  raw: string[];
}

export interface ReplyLine {
  code: number;
  final: boolean;
  text: string;
}

/** One reply line; null when it is not `ddd`, `ddd text` or `ddd-text`. */
export function parseReplyLine(line: string): ReplyLine | null {
  const m = /^([2-5][0-9]{2})(?:([ -])(.*))?$/.exec(line);
  if (!m) return null;
  return { code: Number(m[1]), final: m[2] !== '-', text: m[3] ?? '' };
}

export class SmtpProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmtpProtocolError';
  }
}

/**
 * Gathers reply lines; `push` returns the reply once its last line has arrived.
 * Throws SmtpProtocolError on a malformed line or a code that changes mid-reply.
 */
export class ReplyAssembler {
  private raw: string[] = [];
  private texts: string[] = [];
  private code = 0;

  push(line: string): SmtpReply | null {
    const parsed = parseReplyLine(line);
    if (!parsed) throw new SmtpProtocolError(`malformed reply line ${JSON.stringify(line.slice(0, 200))}`);
    if (this.raw.length > 0 && parsed.code !== this.code) {
      throw new SmtpProtocolError(`reply code changed from ${this.code} to ${parsed.code} within one reply`);
    }
    this.code = parsed.code;
    this.raw.push(line);
    this.texts.push(parsed.text);
    if (!parsed.final) return null;
    const reply = { code: this.code, lines: this.texts, raw: this.raw };
    this.raw = [];
    this.texts = [];
    this.code = 0;
    return reply;
  }
}

/** Parses whole reply text (lines separated by CRLF or LF); for tests and tools. */
export function parseReplies(text: string): SmtpReply[] {
  const assembler = new ReplyAssembler();
  const out: SmtpReply[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const reply = assembler.push(line);
    if (reply) out.push(reply);
  }
  return out;
}

export interface EhloKeyword {
  /** Upper-cased keyword, e.g. `STARTTLS`, `SIZE`. */
  keyword: string;
  params: string[];
}

/** The service extensions of an EHLO reply: every line after the first (which names the server). */
export function ehloKeywords(reply: SmtpReply): EhloKeyword[] {
  const out: EhloKeyword[] = [];
  for (const text of reply.lines.slice(1)) {
    const words = text.trim().split(/\s+/).filter((w) => w !== '');
    const keyword = words[0];
    if (!keyword || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(keyword)) continue;
    out.push({ keyword: keyword.toUpperCase(), params: words.slice(1) });
  }
  return out;
}

export function offersStarttls(reply: SmtpReply): boolean {
  return ehloKeywords(reply).some((k) => k.keyword === 'STARTTLS');
}

export const isPositive = (reply: SmtpReply): boolean => reply.code >= 200 && reply.code < 300;
