/**
 * Runs the configured targets on their cron schedule and once at start-up: one task per target that
 * never overlaps itself, a global limit on probes in flight, a random start delay, and every probe
 * aborted on stop.
 */
import { readFile } from 'node:fs/promises';
import cron, { type ScheduledTask } from 'node-cron';
import type { ProbesConfig, ProbeTargetConfig } from '../config/probes-config.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { createLimiter, sleep } from './limiter.js';
import { resolveMxHosts } from './mx.js';
import { createHostLookup, createMxResolver, type MxResolver } from './resolver.js';
import { defaultEhloName, failedBeforeConnect, probeStarttls } from './starttls-probe.js';
import type { HostLookup, ProbeOptions, ProbeResult } from './types.js';

export function isValidCron(expression: string): boolean {
  return cron.validate(expression);
}

/** Where results go: the daemon's metrics, or a scratch registry for one on-demand probe. */
export interface ProbeSink {
  record(target: string, mx: string, result: ProbeResult, now: number): void;
  retainMx(target: string, mxs: string[]): void;
}

export interface TargetRun {
  target: string;
  /** The host probed (an MX host, or the host of the address); '' when the MX look-up failed. */
  mx: string;
  result: ProbeResult;
}

export type ProbeFunction = (options: ProbeOptions, signal: AbortSignal) => Promise<ProbeResult>;

export interface ProbeSchedulerOptions {
  config: ProbesConfig;
  logger: Logger;
  probe?: ProbeFunction;
  resolveMx?: MxResolver;
  lookup?: HostLookup;
  readCaFile?: (path: string) => Promise<Buffer>;
  now?: () => number;
  /** In [0, 1); scales the start delay. */
  random?: () => number;
}

export interface ProbeScheduler {
  /** Schedules every target and runs each once now (after its start delay). */
  start(sink: ProbeSink): void;
  /** Stops the schedule, aborts probes in flight and waits for them to end. */
  stop(): Promise<void>;
  has(name: string): boolean;
  targetNames(): string[];
  /** Probes one configured target now; null (and no connection) when the name is not configured. */
  runTarget(name: string, sink?: ProbeSink): Promise<TargetRun[] | null>;
  /** Probes running and probes waiting for a slot. */
  load(): { active: number; waiting: number };
}

export function createProbeScheduler(options: ProbeSchedulerOptions): ProbeScheduler {
  const { config, logger } = options;
  const probe = options.probe ?? probeStarttls;
  const resolveMx = options.resolveMx ?? createMxResolver();
  const lookup = options.lookup ?? createHostLookup();
  const readCa = options.readCaFile ?? ((path: string) => readFile(path));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const ehloName = config.ehloName ?? defaultEhloName();
  const byName = new Map(config.targets.map((t) => [t.name, t]));
  const limiter = createLimiter(config.concurrency);
  const controller = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const scheduledRunning = new Set<string>();
  const tasks: ScheduledTask[] = [];
  let stopping: Promise<void> | null = null;

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  };

  const probeHost = async (target: ProbeTargetConfig, host: string, port: number): Promise<ProbeResult> => {
    let ca: Buffer | undefined;
    if (target.caFile) {
      try {
        ca = await readCa(target.caFile);
      } catch (err) {
        return failedBeforeConnect(target.name, host, port, 'other', `cannot read ca_file ${target.caFile}: ${errorMessage(err)}`);
      }
    }
    const probeOptions: ProbeOptions = {
      target: target.name,
      host,
      port,
      servername: target.servername,
      verify: target.verify,
      ca,
      profile: config.profiles[target.profile] ?? { ciphers: 'DEFAULT', minVersion: 'TLSv1.2' },
      ehloName,
      timeoutMs: config.timeoutMs,
      phaseTimeoutMs: config.phaseTimeoutMs,
      enumerate: target.enumerate,
      lookup,
    };
    return limiter.run(() => probe(probeOptions, controller.signal), controller.signal);
  };

  const execute = async (target: ProbeTargetConfig, sink: ProbeSink | undefined): Promise<TargetRun[]> => {
    let hosts: { host: string; port: number }[];
    if (target.kind === 'domain') {
      const mx = await resolveMxHosts(target.domain, resolveMx, target.mxLimit);
      if (!mx.ok) {
        const result = failedBeforeConnect(target.name, target.domain, target.port, 'dns_error', mx.error);
        if (!controller.signal.aborted) {
          sink?.record(target.name, '', result, now());
          sink?.retainMx(target.name, ['']);
        }
        logger.info('probe failed', { target: target.name, reason: 'dns_error', error: mx.error });
        return [{ target: target.name, mx: '', result }];
      }
      hosts = mx.hosts.map((host) => ({ host, port: target.port }));
    } else hosts = [{ host: target.host, port: target.port }];

    const runs = await Promise.all(
      hosts.map(async ({ host, port }) => {
        const result = await probeHost(target, host, port);
        if (!controller.signal.aborted) {
          sink?.record(target.name, host, result, now());
          const fields = { target: target.name, mx: host, seconds: result.timings.total };
          if (result.success) logger.debug('probe succeeded', { ...fields, protocol: result.protocol, cipher: result.cipher });
          else logger.info('probe failed', { ...fields, reason: result.reason, error: result.error });
        }
        return { target: target.name, mx: host, result };
      }),
    );
    if (!controller.signal.aborted) sink?.retainMx(target.name, hosts.map((h) => h.host));
    return runs;
  };

  const runScheduled = async (target: ProbeTargetConfig, sink: ProbeSink): Promise<void> => {
    if (scheduledRunning.has(target.name) || controller.signal.aborted) {
      logger.debug('probe still running, skipped', { target: target.name });
      return;
    }
    scheduledRunning.add(target.name);
    try {
      await sleep(Math.floor(random() * config.jitterMs), controller.signal);
      await execute(target, sink);
    } catch (err) {
      if (!controller.signal.aborted) logger.error('probe run failed', { target: target.name, err });
    } finally {
      scheduledRunning.delete(target.name);
    }
  };

  const cronLogger = {
    info: (message: string) => logger.debug(message, { component: 'cron' }),
    warn: (message: string) => logger.debug(message, { component: 'cron' }),
    error: (message: string | Error) => logger.error(errorMessage(message), { component: 'cron' }),
    debug: (message: string | Error) => logger.debug(errorMessage(message), { component: 'cron' }),
  };

  return {
    start(sink) {
      if (tasks.length > 0 || controller.signal.aborted) return;
      for (const target of config.targets) {
        const task = cron.createTask(config.schedule, () => track(runScheduled(target, sink)), {
          name: `probe:${target.name}`,
          noOverlap: true,
          logger: cronLogger,
        });
        tasks.push(task);
        void task.start();
        void track(runScheduled(target, sink));
      }
      if (config.targets.length > 0) logger.info('probes scheduled', { targets: config.targets.length, schedule: config.schedule });
    },
    stop() {
      stopping ??= (async () => {
        controller.abort();
        await Promise.all(tasks.map((t) => t.destroy()));
        await Promise.allSettled([...inFlight]);
      })();
      return stopping;
    },
    has: (name) => byName.has(name),
    targetNames: () => [...byName.keys()],
    async runTarget(name, sink) {
      const target = byName.get(name);
      if (!target) return null;
      return track(execute(target, sink));
    },
    load: () => ({ active: limiter.active, waiting: limiter.waiting }),
  };
}
