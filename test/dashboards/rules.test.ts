import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  DASHBOARDS,
  EXPORTED_METRICS,
  ROOT,
  RULE_TESTS,
  metricNames,
  recordedNames,
  ruleFiles,
  ruleGroups,
  run,
  which,
} from './promql.js';

const promtool = which('promtool');
const amtool = which('amtool');

/** Registers a test that needs an external tool; without the tool it is skipped and says why. */
function withTool(tool: string | undefined, toolName: string, name: string, fn: (bin: string) => void | Promise<void>): void {
  if (tool) test(name, () => fn(tool));
  else {
    console.log(`skipping "${name}": ${toolName} is not installed (Debian package ${toolName === 'amtool' ? 'prometheus-alertmanager' : 'prometheus'})`);
    test.skip(name, () => {});
  }
}

const REQUIRED_ALERTS: Record<string, string> = {
  SmtpTlsNoSharedCipherSpike: 'page',
  SmtpTlsFailureRatioHigh: 'warning',
  SmtpTlsProtocolVersionFailures: 'warning',
  SmtpTlsLegacyProtocolInUse: 'info',
  SmtpTlsProbeFailing: 'warning',
  SmtpTlsCertificateExpiresSoon: 'warning',
  SmtpTlsCertificateExpired: 'critical',
  SmtpTlsExporterLogStalled: 'warning',
  SmtpTlsUnparsedLines: 'info',
};
const SEVERITIES = ['page', 'critical', 'warning', 'info'];

const alerts = ruleGroups().flatMap((g) => g.rules.filter((r) => r.alert));
const ruleTestFiles = readdirSync(RULE_TESTS)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(RULE_TESTS, f));

test('there are rule files and promtool unit test files', () => {
  assert.ok(ruleFiles().length > 0, 'no dashboards/*.rules.yml');
  assert.ok(ruleTestFiles.length > 0, 'no test/rules/*.yml');
});

for (const file of ruleFiles()) {
  withTool(promtool, 'promtool', `promtool check rules ${file.slice(ROOT.length)}`, (bin) => {
    const res = run(bin, ['check', 'rules', file]);
    assert.is(res.status, 0, res.output);
    assert.match(res.output, /SUCCESS/);
  });
}

for (const file of ruleTestFiles) {
  withTool(promtool, 'promtool', `promtool test rules ${file.slice(ROOT.length)}`, (bin) => {
    const res = run(bin, ['test', 'rules', file]);
    assert.is(res.status, 0, res.output);
  });
}

withTool(promtool, 'promtool', 'promtool test rules fails on a wrong expectation (the unit tests can fail)', (bin) => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-neg-'));
  try {
    const file = join(dir, 'wrong.yml');
    writeFileSync(
      file,
      [
        'rule_files:',
        `  - ${JSON.stringify(join(DASHBOARDS, 'alerts.rules.yml'))}`,
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        `      - series: 'smtp_tls_handshake_failures_total{job="x",instance="y",mta="postfix",direction="inbound",reason="no_shared_cipher"}'`,
        "        values: '0+0.6x420 312+60x29'",
        '    alert_rule_test:',
        '      - eval_time: 440m',
        '        alertname: SmtpTlsNoSharedCipherSpike',
        '        exp_alerts: []',
        '',
      ].join('\n'),
    );
    const res = run(bin, ['test', 'rules', file]);
    assert.is.not(res.status, 0, 'a spike that pages must not pass as "no alert"');
    assert.match(res.output, /SmtpTlsNoSharedCipherSpike/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every required alert exists with its severity', () => {
  for (const [name, severity] of Object.entries(REQUIRED_ALERTS)) {
    const rule = alerts.find((r) => r.alert === name);
    assert.ok(rule, `alert ${name} is missing`);
    assert.is(rule!.labels?.severity, severity, `${name} severity`);
  }
});

test('every alert has a known severity, a summary and a description', () => {
  for (const r of alerts) {
    assert.ok(SEVERITIES.includes(r.labels?.severity ?? ''), `${r.alert}: severity ${r.labels?.severity}`);
    assert.ok((r.annotations?.summary ?? '').trim().length > 10, `${r.alert}: summary`);
    assert.ok((r.annotations?.description ?? '').trim().length > 20, `${r.alert}: description`);
  }
});

test('rules only use exported metrics and recording rules defined in the rule files', () => {
  const recorded = recordedNames();
  for (const g of ruleGroups()) {
    for (const r of g.rules) {
      for (const name of metricNames(r.expr)) {
        assert.ok(EXPORTED_METRICS.has(name) || recorded.has(name), `${r.alert ?? r.record}: unknown metric ${name}`);
      }
    }
  }
});

test('recording rules follow level:metric:operations naming', () => {
  for (const name of recordedNames()) assert.match(name, /^[a-z_]+:smtp_tls_[a-z_]+:[a-z0-9_]+$/, name);
});

interface AlertRuleTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface UnitTestFile {
  tests: { alert_rule_test?: AlertRuleTest[] }[];
}

test('every alert has a promtool unit test where it fires and one where it does not', () => {
  const fires = new Set<string>();
  const quiet = new Set<string>();
  for (const file of ruleTestFiles) {
    const doc = parseYaml(readFileSync(file, 'utf8')) as UnitTestFile;
    for (const t of doc.tests) {
      for (const a of t.alert_rule_test ?? []) {
        if ((a.exp_alerts ?? []).length > 0) fires.add(a.alertname);
        else quiet.add(a.alertname);
      }
    }
  }
  for (const r of alerts) {
    assert.ok(fires.has(r.alert!), `${r.alert}: no unit test where it fires`);
    assert.ok(quiet.has(r.alert!), `${r.alert}: no unit test where it stays quiet`);
  }
});

test('every alert has a runbook section in the documentation', () => {
  const docs = ['README.md', 'docs/operations.md']
    .map((f) => join(ROOT, f))
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  for (const r of alerts) {
    const heading = new RegExp(`^#{2,5} .*\\b${r.alert}\\b`, 'm');
    assert.match(docs, heading, `no runbook heading for ${r.alert}`);
  }
});

// ---------------------------------------------------------------- Alertmanager example

const AM_EXAMPLE = join(DASHBOARDS, 'alertmanager.example.yml');

withTool(amtool, 'amtool', 'amtool check-config accepts alertmanager.example.yml', (bin) => {
  const res = run(bin, ['check-config', AM_EXAMPLE]);
  assert.is(res.status, 0, res.output);
  assert.match(res.output, /SUCCESS/);
});

withTool(amtool, 'amtool', 'severity="page" goes to the pager, everything else does not', (bin) => {
  const route = (labels: string[]): string => {
    const res = run(bin, ['config', 'routes', 'test', `--config.file=${AM_EXAMPLE}`, ...labels]);
    assert.is(res.status, 0, res.output);
    return res.output.split('\n').filter((l) => l.trim() && !l.startsWith('Warning'))[0] ?? '';
  };
  const page = route(['severity=page', 'alertname=SmtpTlsNoSharedCipherSpike', 'mta=postfix', 'direction=inbound']);
  assert.match(page, /pager/);
  for (const severity of ['critical', 'warning', 'info']) {
    const other = route([`severity=${severity}`, 'alertname=SmtpTlsProbeFailing', 'target=example.net']);
    assert.not.match(other, /pager/, `${severity} must not page: ${other}`);
    assert.ok(other.length > 0);
  }
});

test('alerts are grouped by mta and by target', () => {
  const doc = parseYaml(readFileSync(AM_EXAMPLE, 'utf8')) as { route: { group_by: string[] } };
  assert.ok(doc.route.group_by.includes('mta'), 'group_by mta');
  assert.ok(doc.route.group_by.includes('target'), 'group_by target');
});

test.run();
