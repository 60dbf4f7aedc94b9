/** Lines from a readable stream (stdin: `docker logs -f … | smtp-tls-exporter --log -`). No position is kept. */
import type { Readable } from 'node:stream';
import { deliverChunk, deliverLast } from './deliver.js';
import { LineBatch, LineSplitter, DEFAULT_MAX_LINE_BYTES } from './line-splitter.js';
import type { LineSource, SourceHandlers } from './types.js';

export interface StreamSourceOptions {
  id: string;
  stream: Readable;
  handlers: SourceHandlers;
  maxLineBytes?: number;
  /** Called once when the stream ends. */
  onEnd?: () => void;
}

export function createStreamSource(options: StreamSourceOptions): LineSource {
  const { stream, handlers } = options;
  const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  let open = false;
  let ended: Promise<void> | null = null;

  const batch = new LineBatch();
  const onData = (chunk: Buffer | string): void => {
    deliverChunk(splitter, typeof chunk === 'string' ? Buffer.from(chunk) : chunk, batch, handlers);
  };

  return {
    id: options.id,
    start() {
      open = true;
      ended = new Promise<void>((resolve) => {
        const finish = (): void => {
          if (!open) return resolve();
          open = false;
          deliverLast(splitter, handlers);
          options.onEnd?.();
          resolve();
        };
        stream.on('data', onData);
        stream.once('end', finish);
        stream.once('close', finish);
        stream.once('error', (err) => {
          handlers.warn('cannot read the stream', err);
          finish();
        });
      });
      return Promise.resolve();
    },
    async stop() {
      stream.off('data', onData);
      open = false;
      stream.pause();
      if (ended) await Promise.race([ended, Promise.resolve()]);
    },
    position: () => null,
    status: () => ({ up: open, lagBytes: 0 }),
  };
}
