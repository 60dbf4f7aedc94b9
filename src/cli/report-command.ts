/** `smtp-tls-exporter report [--json] [--format FORMAT] [--top N] FILE...`: summarise TLS outcomes and exit. */
import { access, constants } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { errorMessage } from '../errors.js';
import { FORMAT_NAMES } from '../logs/parsers/registry.js';
import type { Mta } from '../logs/parsers/types.js';
import { formatReportText } from '../report/format-text.js';
import { summariseFiles } from '../report/summarise-files.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CommandIo } from './io.js';

export const REPORT_USAGE = `Usage: smtp-tls-exporter report [--json] [--format FORMAT] [--top N] FILE...

Summarises the TLS outcomes in mail log files (plain or .gz; "-" reads stdin) and exits.

Options:
  --json           print JSON instead of tables
  --format FORMAT  ${FORMAT_NAMES.join(' | ')} (default auto)
  --top N          how many failing peers to list (default 10)
  -h, --help       show this help
`;

export async function runReportCommand(
  args: string[],
  io: CommandIo,
  now: () => number = Date.now,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        format: { type: 'string', default: 'auto' },
        top: { type: 'string', default: '10' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr(`smtp-tls-exporter report: ${errorMessage(err)}\n\n${REPORT_USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(REPORT_USAGE);
    return EXIT_OK;
  }
  const top = Number(values.top);
  const problems: string[] = [];
  if (!FORMAT_NAMES.includes(values.format!)) problems.push(`--format must be one of ${FORMAT_NAMES.join(', ')}`);
  if (!Number.isInteger(top) || top < 0) problems.push('--top must be a whole number');
  if (positionals.length === 0) problems.push('no FILE given');
  if (problems.length > 0) {
    io.stderr(`smtp-tls-exporter report: ${problems.join('; ')}\n\n${REPORT_USAGE}`);
    return EXIT_USAGE;
  }
  for (const file of positionals) {
    if (file === '-') continue;
    try {
      await access(file, constants.R_OK);
    } catch (err) {
      io.stderr(`smtp-tls-exporter report: cannot read ${file}: ${errorMessage(err)}\n`);
      return EXIT_FAILURE;
    }
  }

  let acc;
  try {
    acc = await summariseFiles(positionals, io.stdin, { format: values.format as 'auto' | Mta, now: now() });
  } catch (err) {
    io.stderr(`smtp-tls-exporter report: ${errorMessage(err)}${err instanceof Error && err.cause ? `: ${errorMessage(err.cause)}` : ''}\n`);
    return EXIT_FAILURE;
  }
  const summary = acc.summary(top);
  io.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatReportText(summary));
  return EXIT_OK;
}
