/**
 * `GET /probe?target=NAME`: probes one configured target now and answers with its metrics alone.
 * Only configured names are accepted; nothing in the request chooses where to connect.
 */
import type { RouteHandler } from '../http/server.js';
import { createScratchProbeMetrics } from '../metrics/probe-metrics.js';
import type { ProbeScheduler } from './scheduler.js';

const TEXT = 'text/plain; charset=utf-8';

export function createProbeEndpoint(scheduler: Pick<ProbeScheduler, 'has' | 'runTarget'>): RouteHandler {
  return async (url) => {
    const names = url.searchParams.getAll('target');
    if (names.length !== 1 || names[0] === '') {
      return { status: 400, contentType: TEXT, body: 'Give exactly one target: /probe?target=NAME\n' };
    }
    const name = names[0] as string;
    if (!scheduler.has(name)) {
      return { status: 404, contentType: TEXT, body: `Unknown target ${JSON.stringify(name.slice(0, 200))}\n` };
    }
    const scratch = createScratchProbeMetrics();
    const runs = await scheduler.runTarget(name, scratch.metrics);
    if (runs === null) return { status: 404, contentType: TEXT, body: `Unknown target ${JSON.stringify(name)}\n` };
    return { status: 200, ...(await scratch.render()) };
  };
}
