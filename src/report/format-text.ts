/** The human-readable `report` output: aligned tables, most frequent first. */
import type { ReportSummary } from './summary.js';

function table(headers: string[], body: (string | number)[][]): string {
  const cells = [headers, ...body.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const numeric = headers.map((_, i) => body.length > 0 && body.every((r) => typeof r[i] === 'number'));
  return cells
    .map((r) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

function share(n: number, total: number): string {
  return total === 0 ? '-' : `${((100 * n) / total).toFixed(1)}%`;
}

export function formatReportText(s: ReportSummary): string {
  const hs = s.handshakes.reduce((n, r) => n + r.count, 0);
  const fs = s.failures.reduce((n, r) => n + r.count, 0);
  const out: string[] = [];
  out.push(`Lines read: ${s.lines_read}`);
  out.push(`TLS attempts: ${hs + fs} (${hs} handshakes, ${fs} failures; success ${share(hs, hs + fs)})`);
  out.push('');
  out.push('Handshakes');
  out.push(
    s.handshakes.length === 0
      ? '  (none)'
      : table(['MTA', 'DIRECTION', 'PROTOCOL', 'CIPHER', 'TRUST', 'COUNT', 'SHARE'],
          s.handshakes.map((r) => [r.mta, r.direction, r.protocol, r.cipher, r.trust, r.count, share(r.count, hs)])),
  );
  out.push('');
  out.push('Failures');
  out.push(
    s.failures.length === 0
      ? '  (none)'
      : table(['MTA', 'DIRECTION', 'REASON', 'COUNT', 'SHARE'],
          s.failures.map((r) => [r.mta, r.direction, r.reason, r.count, share(r.count, fs)])),
  );
  out.push('');
  out.push('Top failing peers');
  out.push(
    s.top_failing_peers.length === 0
      ? '  (none)'
      : table(['PEER', 'DIRECTION', 'REASON', 'COUNT'], s.top_failing_peers.map((r) => [r.peer, r.direction, r.reason, r.count])),
  );
  return `${out.join('\n')}\n`;
}
