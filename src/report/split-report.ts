/**
 * `report` over large files on two threads: this thread and a worker read the same files, each
 * parsing its share of the lines (see DispatchShare), and their tallies are added up. The result is
 * the same as reading on one thread.
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { ExporterError } from '../errors.js';
import type { ReportWorkerInput } from './report-worker.js';
import { summariseFiles, type SummariseOptions } from './summarise-files.js';
import { ReportAccumulator, type ReportData } from './summary.js';

/** Below this many bytes in all, starting a thread costs more than it saves. */
export const SPLIT_MIN_BYTES = 32 * 1024 * 1024;

/** Whether `files` are worth reading on two threads. */
export async function worthSplitting(files: string[], format: string, minBytes: number): Promise<boolean> {
  if (availableParallelism() < 2 || (format !== 'auto' && format !== 'postfix')) return false;
  if (files.some((f) => f === '-')) return false;
  let bytes = 0;
  for (const f of files) bytes += (await stat(f)).size;
  return bytes >= minBytes;
}

export async function summariseSplit(files: string[], options: SummariseOptions): Promise<ReportAccumulator> {
  const worker = workerFor({ files, options: { ...options, share: { index: 1, count: 2 } } });
  const theirs = resultOf(worker);
  // awaited below; until then a failure of the worker must not count as unhandled
  theirs.catch(() => undefined);
  let mine: ReportAccumulator;
  try {
    mine = await summariseFiles(files, null, { ...options, share: { index: 0, count: 2 } });
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  mine.merge(await theirs);
  return mine;
}

function resultOf(worker: Worker): Promise<ReportData> {
  return new Promise<ReportData>((resolve, reject) => {
    worker.once('message', (m: { ok: true; data: ReportData } | { ok: false; message: string }) => {
      if (m.ok) resolve(m.data);
      else reject(new ExporterError('FILE_UNREADABLE', m.message));
      void worker.terminate();
    });
    worker.once('error', (err) => reject(new ExporterError('FILE_UNREADABLE', 'report worker failed', { cause: err })));
    worker.once('exit', (code) => reject(new ExporterError('FILE_UNREADABLE', `report worker exited with status ${code}`)));
  });
}

function workerFor(input: ReportWorkerInput): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./report-worker.js', import.meta.url), { workerData: input });
  // Run from the TypeScript sources (the tests): a worker does not inherit the loader, so it registers it first.
  const entry = new URL('./report-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`;
  return new Worker(boot, { eval: true, workerData: input });
}
