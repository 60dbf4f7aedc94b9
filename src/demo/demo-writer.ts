/** Appends sample log lines to a file at a steady rate, with timestamps rewritten to now. */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** Replaces the line's leading timestamp (syslog RFC 3164, RFC 3339, or Exim's `YYYY-MM-DD HH:MM:SS`). */
export function restamp(line: string, d: Date): string {
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  if (/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d /.test(line)) {
    return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${time}${line.slice(15)}`;
  }
  const exim = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})? /.exec(line);
  if (exim) {
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}${exim[1] ?? ''}${line.slice(exim[0].length - 1)}`;
  }
  const iso = /^\d{4}-\d\d-\d\dT\S+ /.exec(line);
  if (iso) return `${d.toISOString()}${line.slice(iso[0].length - 1)}`;
  return line;
}

export interface DemoWriterOptions {
  linesPerSecond: number;
  rotateEveryMs: number;
  now?: () => Date;
}

export class DemoWriter {
  private readonly lines: string[];
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastRotation = 0;

  constructor(data: string, private readonly path: string, private readonly options: DemoWriterOptions) {
    this.lines = data.split('\n').filter((l) => l.length > 0);
  }

  start(): void {
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((this.options.linesPerSecond * tickMs) / 1000));
    this.lastRotation = Date.now();
    this.timer = setInterval(() => this.tick(perTick), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Appends `count` lines; rotates the file by renaming it when the rotation interval has passed. */
  tick(count: number): void {
    const now = this.options.now?.() ?? new Date();
    if (now.getTime() - this.lastRotation >= this.options.rotateEveryMs) {
      this.lastRotation = now.getTime();
      renameSync(this.path, `${this.path}.1`);
      writeFileSync(this.path, '');
    }
    let out = '';
    for (let i = 0; i < count; i++) {
      out += `${restamp(this.lines[this.next]!, now)}\n`;
      this.next = (this.next + 1) % this.lines.length;
    }
    appendFileSync(this.path, out);
  }
}
