/**
 * End to end: the built exporter replays the corpus logs (and probes a loopback STARTTLS server), a
 * real Prometheus scrapes it every second with dashboards/alerts.rules.yml loaded, and every query
 * of every dashboard must be valid and return data; every rule must evaluate without error.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { MAIN, freePort, startExporter, waitFor, type RunningDaemon } from '../helpers/daemon.js';
import { PKI, startFakeSmtpServer, type FakeSmtpServer } from '../helpers/fake-smtp-server.js';
import {
  DASHBOARDS,
  ROOT,
  dashboardFiles,
  isProbeMetric,
  loadDashboard,
  metricNames,
  panelQueries,
  ruleGroups,
  substitute,
  which,
  type Dashboard,
  type PanelQuery,
} from './promql.js';

const prometheusBin = which('prometheus');
const CORPUS = join(ROOT, 'test', 'fixtures', 'corpus');

interface PromSample {
  metric: Record<string, string>;
  value?: [number, string];
}
interface PromResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: PromSample[] | [number, string] };
}

interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  lastEvaluation?: string;
}

let work = '';
let exporter: RunningDaemon | undefined;
let smtp: FakeSmtpServer | undefined;
let refusing: FakeSmtpServer | undefined;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let promUrl = '';
let appender: NodeJS.Timeout | undefined;
const logCopies: { path: string; content: string }[] = [];

/** One file per MTA and format, made of every corpus log of that kind. */
function buildLogCopies(dir: string): void {
  const groups: Record<string, string[]> = {};
  for (const mta of ['postfix', 'exim', 'sendmail', 'opensmtpd']) {
    const folder = join(CORPUS, mta);
    if (!existsSync(folder)) continue;
    for (const f of readdirSync(folder).sort()) {
      if (!f.endsWith('.log')) continue;
      // Exim writes its own mainlog format and, through syslog, another: keep them apart.
      const kind = mta === 'exim' ? (f.endsWith('.syslog.log') ? 'exim-syslog' : 'exim-mainlog') : mta;
      (groups[kind] ??= []).push(join(folder, f));
    }
  }
  const interleaved = join(CORPUS, 'interleaved', 'postfix-interleaved-sample.log');
  if (existsSync(interleaved)) groups['postfix-interleaved'] = [interleaved];
  for (const [kind, files] of Object.entries(groups)) {
    const content = files.map((f) => readFileSync(f, 'utf8')).join('');
    const path = join(dir, `${kind}.log`);
    writeFileSync(path, content);
    logCopies.push({ path, content });
  }
}

async function promGet(path: string): Promise<PromResponse> {
  const res = await fetch(`${promUrl}${path}`);
  return (await res.json()) as PromResponse;
}

async function instantQuery(expr: string): Promise<PromResponse> {
  return promGet(`/api/v1/query?query=${encodeURIComponent(expr)}`);
}

function samples(r: PromResponse): PromSample[] {
  if (!r.data) return [];
  if (r.data.resultType === 'scalar') return [{ metric: {}, value: r.data.result as [number, string] }];
  return r.data.result as PromSample[];
}

function hasFiniteValue(r: PromResponse): boolean {
  return samples(r).some((s) => s.value !== undefined && Number.isFinite(Number(s.value[1])));
}

function probeQuery(q: PanelQuery): boolean {
  return metricNames(q.expr).some(isProbeMetric);
}

async function stopAll(): Promise<void> {
  if (appender) clearInterval(appender);
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
  }
  await exporter?.stop();
  await smtp?.close();
  await refusing?.close();
  if (work) rmSync(work, { recursive: true, force: true });
}

const dashboards: Dashboard[] = dashboardFiles().map(loadDashboard);

if (!prometheusBin) {
  console.log('skipping the Prometheus end-to-end test: prometheus is not installed (Debian package prometheus)');
  test.skip('every dashboard query returns data from a real Prometheus', () => {});
} else if (!existsSync(MAIN)) {
  test('the exporter is built (dist/main.js)', () => {
    assert.unreachable(`${MAIN} is missing: run npm run build first (npm test does)`);
  });
} else {
  test.before(async () => {
    try {
      await setUp();
    } catch (err) {
      await stopAll();
      throw err;
    }
  });

  test.after(stopAll);

  async function setUp(): Promise<void> {
    work = mkdtempSync(join(tmpdir(), 'prom-e2e-'));
    buildLogCopies(work);
    smtp = await startFakeSmtpServer({ starttls: 'tls' });
    refusing = await startFakeSmtpServer({ starttls: 'reject' });

    const config = {
      state_dir: join(work, 'state'),
      logs: logCopies.map((l) => ({ path: l.path, start_at: 'beginning' })),
      probes: {
        schedule: '* * * * * *',
        timeout: '5s',
        concurrency: 2,
        jitter: '1ms',
        targets: [
          { name: 'loopback.test', address: smtp.address, servername: 'mx.corpus.test', verify: true, ca_file: join(PKI, 'ca.crt'), enumerate: true },
          { name: 'refusing.test', address: refusing.address, servername: 'mx.corpus.test' },
        ],
      },
    };
    const configFile = join(work, 'exporter.yml');
    writeFileSync(configFile, stringifyYaml(config));
    exporter = await startExporter(['--config', configFile]);

    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    const promConfig = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [join(DASHBOARDS, 'alerts.rules.yml')],
      scrape_configs: [{ job_name: 'smtp-tls-exporter', static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] }],
    };
    const promConfigFile = join(work, 'prometheus.yml');
    writeFileSync(promConfigFile, stringifyYaml(promConfig));
    mkdirSync(join(work, 'tsdb'));
    const proc = spawn(
      prometheusBin!,
      [
        `--config.file=${promConfigFile}`,
        `--storage.tsdb.path=${join(work, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus = proc;
    proc.stderr.on('data', (d: Buffer) => (prometheusLog += d.toString()));
    await waitFor(
      `Prometheus ready on ${promUrl}`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`prometheus exited ${proc.exitCode}: ${prometheusLog}`);
        return (await fetch(`${promUrl}/-/ready`)).ok ? true : undefined;
      },
      30_000,
    );
    await waitFor('the first scrape', async () => (samples(await instantQuery('smtp_tls_exporter_build_info')).length > 0 ? true : undefined), 30_000);
    // New mail keeps arriving: the same sessions are appended every second so that rates are not zero.
    appender = setInterval(() => {
      for (const l of logCopies) appendFileSync(l.path, l.content);
    }, 1000);
  }

  /**
   * Polls until every query gives what `ok` wants or the time is up; returns the queries that never
   * did, with what Prometheus last said.
   */
  async function unanswered(queries: PanelQuery[], ok: (r: PromResponse) => boolean, timeoutMs: number): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    let pending = queries;
    const last = new Map<PanelQuery, string>();
    for (;;) {
      const still: PanelQuery[] = [];
      for (const q of pending) {
        const r = await instantQuery(substitute(q.expr));
        if (r.status !== 'success') last.set(q, `error: ${r.error}`);
        else if (!ok(r)) last.set(q, `result: ${JSON.stringify(samples(r).slice(0, 3))}`);
        else continue;
        still.push(q);
      }
      pending = still;
      if (pending.length === 0 || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return pending.map((q) => `${q.dashboard} / ${q.panel} / ${q.refId}: ${substitute(q.expr)}\n    ${last.get(q)}`);
  }

  test('every query of every dashboard is valid PromQL for Prometheus', async () => {
    const bad: string[] = [];
    for (const d of dashboards) {
      for (const q of panelQueries(d)) {
        const r = await instantQuery(substitute(q.expr));
        if (r.status !== 'success') bad.push(`${q.dashboard} / ${q.panel}: ${r.error}`);
      }
    }
    assert.equal(bad, []);
  });

  test('every log-dashboard query returns data with a number in it', async () => {
    const queries = dashboards.flatMap(panelQueries).filter((q) => !probeQuery(q));
    assert.ok(queries.length > 10, 'the log dashboard has queries');
    const missing = await unanswered(queries, hasFiniteValue, 60_000);
    assert.equal(missing, [], `queries without data:\n${missing.join('\n')}\nexporter stderr:\n${exporter?.stderr().slice(-2000)}`);
  });

  test('every probe-dashboard query returns data', async () => {
    const queries = dashboards.flatMap(panelQueries).filter(probeQuery);
    assert.ok(queries.length > 5, 'the probe dashboard has queries');
    const missing = await unanswered(queries, (r) => samples(r).length > 0, 30_000);
    assert.equal(missing, [], `queries without data:\n${missing.join('\n')}\nexporter stderr:\n${exporter?.stderr().slice(-2000)}`);
  });

  test('template variables find values (mta includes postfix and exim, target the probe)', async () => {
    const values = async (selector: string, label: string): Promise<string[]> => {
      const r = await instantQuery(substitute(selector));
      return [...new Set(samples(r).map((s) => s.metric[label] ?? ''))].filter(Boolean);
    };
    for (const d of dashboards) {
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const m = /^label_values\((.*),\s*(\w+)\)$/.exec(v.definition ?? '');
        assert.ok(m, `${d.title} ${v.name}`);
        const found = await values(m![1]!, m![2]!);
        assert.ok(found.length > 0, `${d.title}: variable ${v.name} has no values`);
        if (v.name === 'mta') {
          assert.ok(found.includes('postfix') && found.includes('exim'), `mta values: ${found.join(', ')}`);
        }
        if (v.name === 'direction') assert.equal(found.sort(), ['inbound', 'outbound']);
        if (v.name === 'target') assert.ok(found.includes('loopback.test'), `target values: ${found.join(', ')}`);
      }
    }
  });

  test('a variable set to one value narrows the queries (mta=postfix)', async () => {
    const q = 'sum by (mta) (rate(smtp_tls_handshakes_total{instance=~"$instance",mta=~"$mta",direction=~"$direction"}[$__rate_interval]))';
    const r = await instantQuery(substitute(q, { mta: 'postfix' }));
    assert.equal(
      samples(r).map((s) => s.metric.mta),
      ['postfix'],
    );
  });

  test('probe results show both a success and the failure reason of the refusing server', async () => {
    const byTarget = async (expr: string): Promise<Record<string, string>> =>
      Object.fromEntries(samples(await instantQuery(expr)).map((s) => [s.metric.target ?? '', s.value?.[1] ?? '']));
    assert.equal(await byTarget('smtp_tls_probe_success'), { 'loopback.test': '1', 'refusing.test': '0' });
    const reasons = samples(await instantQuery('smtp_tls_probes_total{target="refusing.test"} > 0')).map((s) => s.metric.result);
    assert.equal(reasons, ['starttls_rejected']);
  });

  test('every rule evaluates without error', async () => {
    let rules: RuleState[] = [];
    await waitFor(
      'every rule to be evaluated',
      async () => {
        const r = (await promGet('/api/v1/rules')) as unknown as { data: { groups: { rules: RuleState[] }[] } };
        rules = r.data.groups.flatMap((g) => g.rules);
        return rules.length > 0 && rules.every((x) => x.health !== 'unknown') ? true : undefined;
      },
      20_000,
    );
    const expected = ruleGroups().flatMap((g) => g.rules).length;
    assert.is(rules.length, expected, 'Prometheus loaded every rule');
    const bad = rules.filter((x) => x.health !== 'ok' || x.lastError).map((x) => `${x.name}: ${x.health} ${x.lastError ?? ''}`);
    assert.equal(bad, []);
  });

  test('recording rules produce the ratios the dashboards show', async () => {
    const ratio = samples(await instantQuery('instance_mta_direction:smtp_tls_success_ratio:rate5m'));
    assert.ok(ratio.length > 0, 'success ratio recorded');
    for (const s of ratio) {
      const v = Number(s.value?.[1]);
      if (Number.isFinite(v)) assert.ok(v >= 0 && v <= 1, `ratio ${v} for ${JSON.stringify(s.metric)}`);
    }
    const legacy = samples(await instantQuery('sum(instance_mta_direction:smtp_tls_legacy_handshakes:rate5m) > 0'));
    assert.ok(legacy.length > 0, 'the corpus has TLSv1/TLSv1.1 handshakes, so the legacy rate is above zero');
  });
}

test.run();
