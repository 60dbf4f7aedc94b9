/** The exporter's own prom-client registry (never the global one), with process metrics and build info. */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export { Registry };

export function createMetricsRegistry(version: string, nodeVersion: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // These gauges carry a `_total` suffix reserved for counters, which `promtool check metrics` rejects.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const info = new Gauge({
    name: 'smtp_tls_exporter_build_info',
    help: 'Version of the exporter and of the Node.js runtime it runs on; always 1.',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  });
  info.labels(version, nodeVersion).set(1);
  return registry;
}

/** The exposition text and its content type, for the HTTP handler. */
export async function exposition(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
