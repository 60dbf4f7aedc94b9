/** Runs log files (or stdin) through a dispatcher and sums up the outcomes: the work of `report`. */
import type { Readable } from 'node:stream';
import { ExporterError } from '../errors.js';
import { createDispatcher } from '../logs/dispatcher.js';
import { DEFAULT_PARSER_OPTIONS, type Mta } from '../logs/parsers/types.js';
import type { LineBatch } from '../logs/source/line-splitter.js';
import { forEachFileLineRanges, forEachLineRanges } from './read-lines.js';
import { ReportAccumulator } from './summary.js';

export interface SummariseOptions {
  format: 'auto' | Mta;
  /** The wall clock that year-less timestamps are read against. */
  now: number;
}

/** Reads `files` in order (`-` is `stdin`); a file that cannot be read throws FILE_UNREADABLE naming it. */
export async function summariseFiles(files: string[], stdin: Readable | null, o: SummariseOptions): Promise<ReportAccumulator> {
  const acc = new ReportAccumulator();
  const dispatcher = createDispatcher(o.format, DEFAULT_PARSER_OPTIONS, () => o.now);
  const t = o.now;
  const onBatch = (batch: LineBatch): void => {
    const { count, buf, starts, ends, texts, ascii } = batch;
    acc.linesRead += count;
    for (let i = 0; i < count; i++) {
      const end = ends[i]!;
      const r = end >= 0 ? dispatcher.pushBytes(buf, starts[i]!, end, t, ascii) : dispatcher.push(texts[-1 - end]!);
      const outcomes = r.outcomes;
      for (let k = 0; k < outcomes.length; k++) acc.add(outcomes[k]!);
    }
  };
  for (const file of files) {
    try {
      if (file === '-') await forEachLineRanges(stdin!, onBatch);
      else await forEachFileLineRanges(file, onBatch);
    } catch (err) {
      throw new ExporterError('FILE_UNREADABLE', `cannot read ${file}`, { cause: err });
    }
  }
  for (const o of dispatcher.drain()) acc.add(o);
  return acc;
}
