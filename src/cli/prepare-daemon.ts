/** Adds what lives beside the log pipeline to the daemon: active probes, /probe, and HTTP security. */
import type { DaemonDeps } from '../app.js';
import type { Config } from '../config/load.js';
import { loadWebConfig } from '../http/web-config.js';
import type { Logger } from '../logger.js';
import { createProbeMetrics } from '../metrics/probe-metrics.js';
import { createProbeEndpoint } from '../probes/probe-endpoint.js';
import { createProbeScheduler } from '../probes/scheduler.js';

export async function prepareDaemon(config: Config, logger: Logger): Promise<Partial<DaemonDeps>> {
  const web = config.webConfigFile ? await loadWebConfig(config.webConfigFile) : null;
  for (const note of web?.notes ?? []) logger.info(note, { file: config.webConfigFile });
  const scheduler = createProbeScheduler({ config: config.probes, logger: logger.child({ component: 'probes' }) });
  return {
    tls: web?.tls,
    authorize: web?.authorize,
    routes: { '/probe': createProbeEndpoint(scheduler) },
    extend(registry) {
      scheduler.start(createProbeMetrics(registry));
      return { stop: () => scheduler.stop() };
    },
  };
}
