/**
 * The daemon's composition root: builds every component from the configuration, wires sources to
 * parsers to metrics, persists positions, serves HTTP, and stops in the right order.
 */
import type { Readable } from 'node:stream';
import type { Config } from './config/load.js';
import type { Logger } from './logger.js';
import { createPipeline, type Pipeline } from './logs/pipeline.js';
import { DEFAULT_PARSER_OPTIONS } from './logs/parsers/types.js';
import { createFileFollower } from './logs/source/file-follower.js';
import { createJournalSource } from './logs/source/journal-source.js';
import { createStreamSource } from './logs/source/stream-source.js';
import type { LineSource } from './logs/source/types.js';
import { createStateStore, type SavedState } from './logs/state-store.js';
import { createLogMetrics } from './metrics/log-metrics.js';
import { createMetricsRegistry, exposition } from './metrics/registry.js';
import { startHttpServer, type HttpServer, type RouteHandler } from './http/server.js';
import { landingPage } from './http/landing-page.js';

export interface DaemonDeps {
  logger: Logger;
  version: string;
  nodeVersion: string;
  stdin: Readable;
  now?: () => number;
  /** How often open sessions are expired (ms). */
  tickMs?: number;
  /** How often positions are saved (ms); at most 5 s so that a crash re-reads at most 5 s of lines. */
  saveMs?: number;
  /** Extra HTTP routes (e.g. /probe) and security options, supplied by main. */
  routes?: Record<string, RouteHandler>;
  tls?: import('node:https').ServerOptions;
  authorize?: (authorization: string | undefined, socket: import('node:net').Socket) => Promise<boolean>;
  /** Called with the registry once it exists, to add collectors that live outside the log pipeline. */
  extend?: (registry: import('prom-client').Registry) => { stop(): Promise<void> } | void;
}

export interface Daemon {
  address(): { host: string; port: number };
  /** Resolves when every source has ended by itself (only stdin does). */
  readonly sourcesEnded: Promise<void>;
  stop(): Promise<void>;
}

interface Running {
  id: string;
  source: LineSource;
  pipeline: Pipeline;
}

export async function startDaemon(config: Config, deps: DaemonDeps): Promise<Daemon> {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const registry = createMetricsRegistry(deps.version, deps.nodeVersion);
  const metrics = createLogMetrics(registry, { peerWindowMs: config.peers.windowMs, peerTop: config.peers.top, now });
  const store = createStateStore(config.stateDir);
  const saved = store.load();
  const extension = deps.extend?.(registry);

  const running: Running[] = [];
  const ends: Promise<void>[] = [];
  for (const sc of config.logs) {
    const id = sc.kind === 'file' ? sc.path : sc.kind;
    const pipeline = createPipeline({ id, format: sc.format, parserOptions: DEFAULT_PARSER_OPTIONS, metrics, logger, now });
    let source: LineSource;
    if (sc.kind === 'file') {
      source = createFileFollower({
        path: sc.path,
        startAt: sc.start_at,
        saved: saved?.sources[id],
        handlers: pipeline.handlers,
        logger: logger.child({ path: id }),
      });
    } else if (sc.kind === 'stdin') {
      let ended!: () => void;
      ends.push(new Promise<void>((r) => (ended = r)));
      source = createStreamSource({ id, stream: deps.stdin, handlers: pipeline.handlers, onEnd: () => ended() });
    } else {
      source = createJournalSource({
        units: sc.units,
        matches: sc.matches,
        startAt: sc.start_at,
        saved: saved?.sources[id],
        handlers: pipeline.handlers,
        logger: logger.child({ path: id }),
      });
    }
    if (saved?.parsers[id] !== undefined) pipeline.dispatcher.restore(saved.parsers[id]);
    metrics.watchSource(id, () => source.status());
    running.push({ id, source, pipeline });
  }

  const snapshot = (): SavedState => {
    const state: SavedState = { version: 1, savedAt: new Date(now()).toISOString(), sources: {}, parsers: {} };
    for (const r of running) {
      const pos = r.source.position();
      if (pos !== null && pos !== undefined) state.sources[r.id] = pos;
      state.parsers[r.id] = r.pipeline.dispatcher.snapshot();
    }
    return state;
  };
  const save = (): void => {
    try {
      store.save(snapshot());
    } catch (err) {
      logger.error('cannot save read positions', { dir: config.stateDir, err });
    }
  };

  for (const r of running) await r.source.start();
  // Saved at once, so that a crash before the first periodic save resumes here instead of at the end.
  save();
  const http: HttpServer = await startHttpServer({
    host: config.listen.host,
    port: config.listen.port,
    logger,
    tls: deps.tls,
    authorize: deps.authorize,
    routes: {
      '/metrics': async () => ({ status: 200, ...(await exposition(registry)) }),
      '/': () => ({ status: 200, contentType: 'text/html; charset=utf-8', body: landingPage(deps.version, Object.keys(deps.routes ?? {})) }),
      '/healthz': () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok\n' }),
      ...deps.routes,
    },
  });
  const tick = setInterval(() => {
    for (const r of running) r.pipeline.tick();
  }, deps.tickMs ?? 1000);
  const saver = setInterval(save, Math.min(deps.saveMs ?? 5000, 5000));
  tick.unref();
  saver.unref();
  const addr = http.address();
  logger.info('listening', { address: `${addr.host}:${addr.port}`, sources: running.map((r) => r.id).join(',') });

  let stopping: Promise<void> | null = null;
  return {
    address: () => http.address(),
    sourcesEnded:
      ends.length > 0 && ends.length === running.length ? Promise.all(ends).then(() => undefined) : new Promise<void>(() => {}),
    stop() {
      stopping ??= (async () => {
        clearInterval(tick);
        clearInterval(saver);
        await extension?.stop();
        for (const r of running) await r.source.stop();
        save();
        await http.close();
      })();
      return stopping;
    },
  };
}
