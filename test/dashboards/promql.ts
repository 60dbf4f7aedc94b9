/**
 * What the dashboard and rule checks share: the metric names the exporter serves, the rule and
 * dashboard files, a rough PromQL tokenizer and the external tools (promtool, amtool, prometheus).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DASHBOARDS = join(ROOT, 'dashboards');
export const RULE_TESTS = join(ROOT, 'test', 'rules');

/** Every metric name the exporter serves (plus the prom-client default metrics used in dashboards). */
export const EXPORTED_METRICS = new Set([
  'smtp_tls_handshakes_total',
  'smtp_tls_handshake_failures_total',
  'smtp_tls_peer_failures',
  'smtp_tls_log_lines_read_total',
  'smtp_tls_log_lines_unparsed_total',
  'smtp_tls_log_rotations_total',
  'smtp_tls_log_up',
  'smtp_tls_log_lag_bytes',
  'smtp_tls_exporter_build_info',
  'smtp_tls_probe_success',
  'smtp_tls_probes_total',
  'smtp_tls_probe_duration_seconds',
  'smtp_tls_probe_tls_info',
  'smtp_tls_probe_starttls_offered',
  'smtp_tls_probe_cert_not_after_timestamp_seconds',
  'smtp_tls_probe_cert_verified',
  'smtp_tls_probe_cert_hostname_match',
  'smtp_tls_probe_protocol_supported',
  'smtp_tls_probe_last_run_timestamp_seconds',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
]);

/** Metrics that only exist when probes are configured. */
export function isProbeMetric(name: string): boolean {
  return name.startsWith('smtp_tls_probe');
}

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export function ruleFiles(): string[] {
  return readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.rules.yml'))
    .map((f) => join(DASHBOARDS, f));
}

export function ruleGroups(): RuleGroup[] {
  return ruleFiles().flatMap((f) => (parseYaml(readFileSync(f, 'utf8')) as { groups: RuleGroup[] }).groups);
}

export function recordedNames(): Set<string> {
  return new Set(ruleGroups().flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
}

const KEYWORDS = new Set(
  'sum min max avg group stddev stdvar count count_values bottomk topk quantile by without on ignoring group_left group_right and or unless offset bool atan2 inf nan'.split(
    ' ',
  ),
);

/**
 * The metric names a PromQL expression selects. Rough but sufficient for the expressions here:
 * strings, label matchers, ranges, grouping lists, numbers and function names are removed first.
 */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y)\b/g, ' ')
    .replace(/(?<![A-Za-z_:])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, ' ');
  const names: string[] = [];
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const after = s.slice((m.index ?? 0) + word.length);
    if (/^\s*\(/.test(after)) continue; // a function or an aggregation
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return [...new Set(names)];
}

/** The absolute path of an executable found on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RunResult {
  status: number | null;
  output: string;
}

export function run(cmd: string, args: string[], cwd = ROOT): RunResult {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: res.status, output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
}

// ---------------------------------------------------------------- dashboards

export interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
  instant?: boolean;
  format?: string;
}
export interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
export interface TemplateVar {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
  allValue?: string;
  datasource?: { type?: string; uid?: string };
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  __inputs?: { name: string; type: string; pluginId: string }[];
  panels: Panel[];
  templating: { list: TemplateVar[] };
}

export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(DASHBOARDS, f));
}

export function loadDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/** Panels in display order, rows' nested panels included, rows themselves excluded. */
export function allPanels(d: Dashboard): Panel[] {
  const out: Panel[] = [];
  for (const p of d.panels) {
    if (p.type === 'row') out.push(...(p.panels ?? []));
    else out.push(p);
  }
  return out;
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
}

export function panelQueries(d: Dashboard): PanelQuery[] {
  return allPanels(d).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => typeof t.expr === 'string' && t.expr.trim() !== '')
      .map((t) => ({ dashboard: d.title, panel: p.title ?? '', refId: t.refId ?? '', expr: t.expr!, instant: t.instant === true })),
  );
}

/** Built-in Grafana variables the dashboards may use, with the value substituted in checks. */
export const GRAFANA_BUILTINS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

/** Template variables referenced by an expression (`$name` or `${name}` or `[[name]]`). */
export function variablesIn(expr: string): string[] {
  const out = new Set<string>();
  for (const m of expr.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g)) out.add((m[1] ?? m[2] ?? m[3])!);
  return [...out];
}

/** Replaces every variable: template variables by `.*` (the "All" value), built-ins by durations. */
export function substitute(expr: string, values: Record<string, string> = {}): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (_all, a: string, b: string, c: string) => {
    const name = a ?? b ?? c;
    return values[name] ?? GRAFANA_BUILTINS[name] ?? '.*';
  });
}
