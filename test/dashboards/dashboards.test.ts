import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  DASHBOARDS,
  EXPORTED_METRICS,
  GRAFANA_BUILTINS,
  ROOT,
  allPanels,
  dashboardFiles,
  loadDashboard,
  metricNames,
  panelQueries,
  recordedNames,
  run,
  substitute,
  variablesIn,
  which,
  type Dashboard,
} from './promql.js';

const DS_UID = '${DS_PROMETHEUS}';
const promtool = which('promtool');

/** Template variables each dashboard must offer (besides the DS_PROMETHEUS data source). */
const REQUIRED_VARS: Record<string, string[]> = {
  'smtp-tls-overview.json': ['instance', 'mta', 'direction'],
  'smtp-tls-probes.json': ['instance', 'target'],
};

/** Panels the dashboards must have, by a fragment of their title. */
const REQUIRED_PANELS: Record<string, RegExp[]> = {
  'smtp-tls-overview.json': [
    /^TLS success ratio$/,
    /Failures per second by reason/,
    /Handshakes per second by protocol/,
    /Handshakes per second by cipher/,
    /Legacy protocol share/,
    /Trust mix/,
    /Top failing peers/,
    /Log lines read/,
    /Unparsed/,
    /Lag behind the log/,
    /rotations/i,
  ],
  'smtp-tls-probes.json': [
    /Status per target/,
    /by reason/,
    /by phase/,
    /protocol and cipher/,
    /certificate expiry/,
    /Protocols supported/,
  ],
};

const files = dashboardFiles();

test('the two dashboards exist', () => {
  assert.equal(files.map((f) => basename(f)).sort(), Object.keys(REQUIRED_VARS).sort());
});

for (const file of files) {
  const name = basename(file);
  let d: Dashboard;

  test(`${name}: valid JSON of a Grafana 10 dashboard`, () => {
    d = loadDashboard(file);
    assert.type(d.uid, 'string');
    assert.ok(d.uid.length > 0 && d.uid.length <= 40, 'uid length');
    assert.ok(d.title.length > 0);
    assert.ok(d.schemaVersion >= 36, `schemaVersion ${d.schemaVersion}`);
    assert.ok(Array.isArray(d.panels) && d.panels.length > 0);
  });

  test(`${name}: the data source is the import input \${DS_PROMETHEUS} everywhere`, () => {
    const input = d.__inputs?.find((i) => i.name === 'DS_PROMETHEUS');
    assert.ok(input, '__inputs has DS_PROMETHEUS');
    assert.is(input!.type, 'datasource');
    assert.is(input!.pluginId, 'prometheus');
    // A data source variable of the same name makes the file work when provisioned (no import step).
    const dsVar = d.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
    assert.ok(dsVar && dsVar.type === 'datasource', 'DS_PROMETHEUS data source variable');
    for (const p of allPanels(d)) {
      assert.is(p.datasource?.uid, DS_UID, `panel "${p.title}" data source`);
      for (const t of p.targets ?? []) assert.is(t.datasource?.uid, DS_UID, `panel "${p.title}" target ${t.refId}`);
    }
    for (const v of d.templating.list.filter((x) => x.type === 'query')) assert.is(v.datasource?.uid, DS_UID, `variable ${v.name}`);
    // No concrete data source uid left behind by an export.
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/"uid":\s*"([^"]*)"/g)) {
      assert.ok([DS_UID, d.uid, '-- Grafana --'].includes(m[1]!), `unexpected uid ${m[1]}`);
    }
  });

  test(`${name}: template variables`, () => {
    const names = d.templating.list.map((v) => v.name);
    for (const v of REQUIRED_VARS[name] ?? []) {
      assert.ok(names.includes(v), `variable ${v}`);
      const def = d.templating.list.find((x) => x.name === v)!;
      assert.is(def.type, 'query');
      assert.is(def.allValue, '.*', `${v}: "All" must be .* so that regex matchers select everything`);
      const selector = /^label_values\((.*),\s*(\w+)\)$/.exec(def.definition ?? '');
      assert.ok(selector, `${v}: expected label_values(selector, ${v})`);
      assert.is(selector![2], v, `${v}: takes the values of the label of the same name`);
      for (const metric of metricNames(selector![1]!)) assert.ok(EXPORTED_METRICS.has(metric), `${v}: ${metric}`);
    }
  });

  test(`${name}: panels have a title, a description, a query and fit the grid without overlapping`, () => {
    const ids = new Set<number>();
    const cells = new Set<string>();
    for (const p of d.panels.flatMap((x) => [x, ...(x.panels ?? [])])) {
      assert.ok(typeof p.id === 'number' && !ids.has(p.id), `duplicate or missing id on "${p.title}"`);
      ids.add(p.id!);
      const g = p.gridPos!;
      assert.ok(g && g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `gridPos of "${p.title}"`);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          const key = `${x},${y}`;
          assert.not.ok(cells.has(key), `"${p.title}" overlaps another panel at ${key}`);
          cells.add(key);
        }
      if (p.type === 'row') continue;
      assert.ok((p.title ?? '').length > 3, 'title');
      assert.ok((p.description ?? '').length > 20, `description of "${p.title}"`);
      assert.ok((p.targets ?? []).some((t) => (t.expr ?? '').trim()), `query of "${p.title}"`);
    }
  });

  test(`${name}: the required panels are there`, () => {
    const titles = allPanels(d).map((p) => p.title ?? '');
    for (const re of REQUIRED_PANELS[name] ?? []) assert.ok(titles.some((t) => re.test(t)), `no panel matching ${re}`);
  });

  test(`${name}: queries use only exported metrics, recording rules and defined variables`, () => {
    const recorded = recordedNames();
    const defined = new Set([...d.templating.list.map((v) => v.name), ...Object.keys(GRAFANA_BUILTINS)]);
    const queries = panelQueries(d);
    assert.ok(queries.length > 0);
    for (const q of queries) {
      const names = metricNames(q.expr);
      assert.ok(names.length > 0, `"${q.panel}" ${q.refId}: selects no metric`);
      for (const m of names) assert.ok(EXPORTED_METRICS.has(m) || recorded.has(m), `"${q.panel}" ${q.refId}: unknown metric ${m}`);
      for (const v of variablesIn(q.expr)) assert.ok(defined.has(v), `"${q.panel}" ${q.refId}: undefined variable $${v}`);
    }
  });

  test(`${name}: the log dashboard filters every smtp_tls query by instance`, () => {
    for (const q of panelQueries(d)) {
      if (!/smtp_tls_|process_/.test(q.expr)) continue;
      assert.match(q.expr, /instance=~"\$instance"/, `"${q.panel}" ${q.refId}`);
    }
  });

  if (promtool) {
    test(`${name}: promtool parses every query (variables substituted)`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'dash-promql-'));
      try {
        const rules = panelQueries(d).map((q, i) => ({ record: `dashboard_check:query_${i}:expr`, expr: substitute(q.expr) }));
        const vars = d.templating.list
          .filter((v) => v.type === 'query' && v.definition)
          .map((v, i) => {
            // label_values(selector, label) → the selector is what Prometheus evaluates.
            const m = /^label_values\((.*),\s*\w+\)$/.exec(v.definition!);
            assert.ok(m, `variable ${v.name}: expected label_values(selector, label)`);
            return { record: `dashboard_check:variable_${i}:expr`, expr: substitute(m![1]!) };
          });
        const file = join(dir, 'queries.rules.yml');
        writeFileSync(file, stringifyYaml({ groups: [{ name: 'dashboard-queries', rules: [...rules, ...vars] }] }));
        const res = run(promtool, ['check', 'rules', file]);
        assert.is(res.status, 0, res.output);
        assert.match(res.output, new RegExp(`SUCCESS: ${rules.length + vars.length} rules found`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  } else {
    console.log(`skipping "${name}: promtool parses every query": promtool is not installed (Debian package prometheus)`);
    test.skip(`${name}: promtool parses every query (variables substituted)`, () => {});
  }

  test(`${name}: every panel is described in the documentation`, () => {
    const docs = ['README.md', 'docs/operations.md']
      .map((f) => join(ROOT, f))
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const p of allPanels(d)) assert.ok(docs.includes(`**${p.title}**`), `panel "${p.title}" is not described (as **${p.title}**)`);
  });
}

test('the query checker catches what it should (unknown metric, undefined variable)', () => {
  assert.equal(metricNames('sum by (reason) (rate(smtp_tls_handshake_failures_total{mta=~"$mta"}[$__rate_interval]))'), [
    'smtp_tls_handshake_failures_total',
  ]);
  assert.equal(metricNames('topk(10, foo_bar{a="b"} offset 5m) / on (x) group_left (y) baz:rec:rate5m > 1e6'), ['foo_bar', 'baz:rec:rate5m']);
  assert.equal(variablesIn('x{a=~"$instance",b="${mta}"}[$__rate_interval]'), ['instance', 'mta', '__rate_interval']);
  assert.is(substitute('rate(x{a=~"$instance"}[$__rate_interval])'), 'rate(x{a=~".*"}[1m])');
});

test('Grafana provisioning: a Prometheus data source and a file provider for the dashboards', () => {
  const ds = parseYaml(readFileSync(join(DASHBOARDS, 'grafana-provisioning/datasources/smtp-tls-prometheus.yml'), 'utf8')) as {
    apiVersion: number;
    datasources: { type: string; url: string; isDefault?: boolean }[];
  };
  assert.is(ds.apiVersion, 1);
  assert.is(ds.datasources[0]!.type, 'prometheus');
  assert.match(ds.datasources[0]!.url, /^https?:\/\//);
  assert.is(ds.datasources[0]!.isDefault, true, 'the DS_PROMETHEUS variable falls back to the default data source');
  const prov = parseYaml(readFileSync(join(DASHBOARDS, 'grafana-provisioning/dashboards/smtp-tls.yml'), 'utf8')) as {
    apiVersion: number;
    providers: { type: string; folder: string; options: { path: string } }[];
  };
  assert.is(prov.apiVersion, 1);
  const p = prov.providers[0]!;
  assert.is(p.type, 'file');
  assert.ok(p.folder.length > 0);
  // docker-compose.example.yml mounts each dashboard into that path.
  const compose = readFileSync(join(ROOT, 'docker-compose.example.yml'), 'utf8');
  for (const f of files) assert.ok(compose.includes(`${p.options.path}/${basename(f)}`), `compose mounts ${basename(f)} into ${p.options.path}`);
});

test.run();
