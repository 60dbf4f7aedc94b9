/**
 * Connects one line source to its dispatcher and the metrics: counts lines, feeds parsers, records
 * outcomes, and closes sessions that went quiet. Open-session state is exposed for the state file.
 */
import type { Logger } from '../logger.js';
import type { LogMetrics } from '../metrics/log-metrics.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import type { Mta, Outcome, ParserOptions } from './parsers/types.js';
import type { SourceHandlers } from './source/types.js';

export interface PipelineOptions {
  /** The `path` label: the file, `stdin` or `journal`. */
  id: string;
  format: 'auto' | Mta;
  parserOptions: ParserOptions;
  metrics: LogMetrics;
  logger: Logger;
  /** Wall clock, injected for tests. */
  now?: () => number;
}

export interface Pipeline {
  readonly handlers: SourceHandlers;
  readonly dispatcher: Dispatcher;
  /** Closes sessions idle for longer than the session TTL, measured in log time. */
  tick(): void;
  /** End of input: close every open session. */
  drain(): void;
}

const SAMPLE_EVERY_MS = 60_000;

export function createPipeline(options: PipelineOptions): Pipeline {
  const { id, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const dispatcher = createDispatcher(options.format, options.parserOptions, now);
  let lastSample = -Infinity;
  let lastLineAt = now();
  const record = (outcomes: Outcome[]): void => {
    for (const o of outcomes) metrics.recordOutcome(o);
  };

  const sampleDue = (): boolean => lastLineAt - lastSample >= SAMPLE_EVERY_MS;
  const sample = (line: string): void => {
    lastSample = lastLineAt;
    logger.debug('unparsed TLS line (one sample per minute)', { path: id, line: line.slice(0, 500) });
  };

  const handlers: SourceHandlers = {
    lines(batch) {
      lastLineAt = now();
      metrics.linesRead(id, batch.length);
      let unparsed = 0;
      for (const line of batch) {
        const r = dispatcher.push(line);
        if (r.outcomes.length > 0) record(r.outcomes);
        if (r.status === 'unparsed') {
          unparsed++;
          if (sampleDue()) sample(line);
        }
      }
      if (unparsed > 0) metrics.linesUnparsed(id, unparsed);
    },
    lineRanges(batch) {
      lastLineAt = now();
      const count = batch.count;
      metrics.linesRead(id, count);
      const { buf, starts, ends, texts, ascii } = batch;
      let unparsed = 0;
      for (let i = 0; i < count; i++) {
        const end = ends[i]!;
        const r = end >= 0 ? dispatcher.pushBytes(buf, starts[i]!, end, lastLineAt, ascii) : dispatcher.push(texts[-1 - end]!);
        if (r.outcomes.length > 0) record(r.outcomes);
        if (r.status === 'unparsed') {
          unparsed++;
          if (sampleDue()) sample(batch.text(i));
        }
      }
      if (unparsed > 0) metrics.linesUnparsed(id, unparsed);
    },
    rotation(kind) {
      metrics.rotation(id, kind);
    },
    oversized(count) {
      metrics.linesOversized(id, count);
      logger.warn('line longer than the limit was cut', { path: id, count });
    },
    warn(message, err) {
      logger.warn(message, err === undefined ? { path: id } : { path: id, err });
    },
  };

  return {
    handlers,
    dispatcher,
    tick() {
      const logTime = dispatcher.lastLogTime();
      if (Number.isNaN(logTime)) return;
      record(dispatcher.expire(logTime + (now() - lastLineAt)));
    },
    drain() {
      record(dispatcher.drain());
    },
  };
}
