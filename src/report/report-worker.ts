/** Worker thread of `report`: summarises its share of the lines and posts the tallies back. */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { summariseFiles, type SummariseOptions } from './summarise-files.js';

export interface ReportWorkerInput {
  files: string[];
  options: SummariseOptions;
}

const input = workerData as ReportWorkerInput;
summariseFiles(input.files, null, input.options).then(
  (acc) => parentPort!.postMessage({ ok: true, data: acc.toData() }),
  (err: unknown) => {
    const cause = err instanceof Error && err.cause !== undefined ? `: ${errorMessage(err.cause)}` : '';
    parentPort!.postMessage({ ok: false, message: `${errorMessage(err)}${cause}` });
  },
);
