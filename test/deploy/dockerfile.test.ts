import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STATE_DIR = '/var/lib/smtp-tls-exporter';

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Dockerfile → instructions (comments dropped, continuation lines joined). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i += 1;
      const next = lines[i]!;
      if (/^\s*#/.test(next)) continue;
      line = `${line.replace(/\\\s*$/, ' ')}${next.trim()}`;
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

interface Stage {
  image: string;
  name?: string;
  body: Instruction[];
}

function stages(ins: Instruction[]): { args: Record<string, string>; stages: Stage[] } {
  const args: Record<string, string> = {};
  const list: Stage[] = [];
  for (const i of ins) {
    if (i.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args);
      assert.ok(m, `FROM at line ${i.line}`);
      const image = m![1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_a, x: string, y: string) => args[x ?? y] ?? '');
      list.push({ image, name: m![2], body: [] });
    } else if (list.length === 0) {
      if (i.op === 'ARG') {
        const [k, v] = i.args.split('=');
        if (k && v !== undefined) args[k] = v;
      }
    } else list[list.length - 1]!.body.push(i);
  }
  return { args, stages: list };
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const parsed = stages(parseDockerfile(dockerfile));
const final = parsed.stages[parsed.stages.length - 1]!;
const ops = (s: Stage, op: string): Instruction[] => s.body.filter((i) => i.op === op);

/** The exec-form JSON array of an instruction (HEALTHCHECK … CMD [..], CMD [..], ENTRYPOINT [..]). */
function execForm(args: string): string[] {
  const m = /(\[.*\])\s*$/.exec(args);
  assert.ok(m, `not in exec form: ${args}`);
  return JSON.parse(m![1]!) as string[];
}

test('multi-stage build from a pinned node:20 slim or alpine image', () => {
  assert.ok(parsed.stages.length >= 2, 'at least two stages');
  for (const s of parsed.stages) {
    assert.match(s.image, /^node:20\.\d+\.\d+-(?:bookworm-slim|bullseye-slim|trixie-slim|slim|alpine(?:3\.\d+)?)(?:@sha256:[0-9a-f]{64})?$/, `stage image ${s.image}`);
  }
  const names = new Set(parsed.stages.map((s) => s.name).filter(Boolean));
  for (const s of parsed.stages)
    for (const c of ops(s, 'COPY')) {
      const from = /--from=(\S+)/.exec(c.args)?.[1];
      if (from) assert.ok(names.has(from), `COPY --from=${from} names a stage`);
    }
});

test('dependencies with npm ci, a build step, production dependencies only in the image', () => {
  const runs = parsed.stages.flatMap((s) => ops(s, 'RUN').map((r) => r.args));
  assert.ok(runs.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev|--production/.test(r)), 'npm ci for the build');
  assert.ok(runs.some((r) => /\bnpm run build\b/.test(r)), 'npm run build');
  assert.ok(runs.some((r) => /\bnpm ci\b.*(--omit=dev|--production)/.test(r)), 'npm ci --omit=dev for the runtime');
  assert.not.ok(runs.some((r) => /\bnpm install\b/.test(r)), 'npm install is not reproducible; use npm ci');
  // The final stage takes node_modules from the production-only stage and dist from the build stage.
  const prodStage = parsed.stages.find((s) => ops(s, 'RUN').some((r) => /--omit=dev|--production/.test(r.args)));
  const copies = ops(final, 'COPY').map((c) => c.args);
  assert.ok(copies.some((c) => c.includes(`--from=${prodStage?.name}`) && c.includes('node_modules')), 'node_modules from the production stage');
  assert.ok(copies.some((c) => /--from=\S+\s+\S*dist/.test(c)), 'dist from the build stage');
  assert.not.ok(ops(final, 'RUN').some((r) => /\bnpm (ci|install)\b/.test(r.args)), 'no install in the final stage');
});

test('runs as a non-root USER', () => {
  const users = ops(final, 'USER');
  assert.ok(users.length > 0, 'USER in the final stage');
  const user = users[users.length - 1]!.args.split(':')[0]!;
  assert.not.ok(['root', '0'].includes(user), `USER ${user}`);
  const lastUser = final.body.lastIndexOf(users[users.length - 1]!);
  assert.not.ok(final.body.slice(lastUser).some((i) => i.op === 'RUN' && /\bchown|chmod|apt|apk\b/.test(i.args)), 'root-only steps after USER');
});

test('EXPOSE 10465, VOLUME for the state directory, ENTRYPOINT runs dist/main.js with the image config', () => {
  assert.ok(ops(final, 'EXPOSE').some((e) => e.args.split(/\s+/).includes('10465')), 'EXPOSE 10465');
  const volumes = ops(final, 'VOLUME').map((v) => v.args);
  assert.ok(volumes.some((v) => v.includes(STATE_DIR)), `VOLUME ${STATE_DIR}`);
  const entry = execForm(ops(final, 'ENTRYPOINT')[0]!.args);
  assert.equal(entry, ['node', 'dist/main.js']);
  const cmd = execForm(ops(final, 'CMD')[0]!.args);
  assert.ok(cmd.includes('/etc/smtp-tls-exporter/config.yml'), 'default --config');
  assert.is(cmd[cmd.indexOf('--state-dir') + 1], STATE_DIR, '--state-dir is the volume');
});

const healthcheck = ops(final, 'HEALTHCHECK')[0];

test('HEALTHCHECK needs neither curl nor wget', () => {
  assert.ok(healthcheck, 'HEALTHCHECK');
  assert.not.match(healthcheck!.args, /\b(curl|wget|nc)\b/);
  const argv = execForm(healthcheck!.args);
  assert.is(argv[0], 'node');
  assert.is(argv[1], '-e');
  assert.match(argv[2]!, /\/healthz/);
});

/** Runs the HEALTHCHECK command of the Dockerfile against a URL; returns its exit status. */
function runHealthcheck(url: string): Promise<number | null> {
  const argv = execForm(healthcheck!.args);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv.slice(1), { env: { ...process.env, HEALTHCHECK_URL: url }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill(), 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** A loopback server answering /healthz with `status` and anything else with 404. */
async function healthServer(status: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? status : 404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('the HEALTHCHECK command really checks /healthz (200 and 401 healthy; 500, 404 and no server not)', async () => {
  let lastPort = 0;
  for (const [code, healthy] of [
    [200, true],
    [401, true],
    [500, false],
  ] as const) {
    const s = await healthServer(code);
    lastPort = s.port;
    try {
      const rc = await runHealthcheck(`http://127.0.0.1:${s.port}/healthz`);
      assert.is(rc === 0, healthy, `status ${code} gave exit ${rc}`);
      assert.is.not(await runHealthcheck(`http://127.0.0.1:${s.port}/nothing`), 0, '404 is not healthy');
    } finally {
      await s.close();
    }
  }
  assert.is.not(await runHealthcheck(`http://127.0.0.1:${lastPort}/healthz`), 0, 'nothing listening');
});

test('.dockerignore keeps node_modules, .git and test out, and lets the build inputs in', () => {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const ignored = (p: string): boolean => patterns.some((pat) => !pat.startsWith('!') && (pat === p || pat === `${p}/` || pat === `/${p}`));
  for (const p of ['node_modules', '.git', 'test']) assert.ok(ignored(p), `.dockerignore must exclude ${p}`);
  const sources = parsed.stages.flatMap((s) =>
    ops(s, 'COPY')
      .filter((c) => !c.args.includes('--from='))
      .flatMap((c) => c.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1)),
  );
  assert.ok(sources.length > 0);
  for (const src of sources) {
    assert.not.ok(ignored(src.replace(/\/$/, '')), `${src} is copied but ignored`);
    assert.ok(existsSync(join(ROOT, src)), `${src} is copied but does not exist`);
  }
});

// ---------------------------------------------------------------- systemd unit

const UNIT = join(ROOT, 'deploy/systemd/smtp-tls-exporter.service');

function unitKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  const joined = text.replace(/\\\n\s*/g, ' ');
  for (const line of joined.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!.trim()]);
  }
  return keys;
}

test('systemd unit: hardening keys', () => {
  const keys = unitKeys(readFileSync(UNIT, 'utf8'));
  const one = (k: string): string | undefined => keys.get(k)?.at(-1);
  const dynamic = one('DynamicUser') === 'yes';
  const dedicated = one('User') !== undefined && one('User') !== 'root';
  assert.ok(dynamic || dedicated, 'DynamicUser=yes or a dedicated User=');
  const groups = [one('Group'), ...(keys.get('SupplementaryGroups') ?? [])].join(' ');
  assert.match(groups, /\badm\b/, 'group adm to read the mail logs');
  assert.is(one('ProtectSystem'), 'strict');
  assert.match(keys.get('ReadOnlyPaths')?.join(' ') ?? '', /\/var\/log\b/);
  const state = one('StateDirectory');
  assert.ok(state, 'StateDirectory');
  assert.is(one('NoNewPrivileges'), 'yes');
  assert.is(one('ProtectHome'), 'yes');
  assert.is(one('PrivateTmp'), 'yes');
  assert.not.ok(one('MemoryDenyWriteExecute') === 'yes', 'MemoryDenyWriteExecute=yes breaks the V8 JIT');
  const exec = one('ExecStart') ?? '';
  assert.match(exec, /dist\/main\.js/);
  assert.match(exec, new RegExp(`--state-dir /var/lib/${state}\\b`), 'the state dir is the StateDirectory');
  assert.match(exec, /--config \/etc\/smtp-tls-exporter\/config\.yml/);
});

test('systemd unit: systemd-analyze verify (when available)', () => {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log('systemd-analyze is not available: only the keys were checked');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'unit-'));
  try {
    const copy = join(dir, 'smtp-tls-exporter.service');
    writeFileSync(copy, readFileSync(UNIT, 'utf8').replace('/usr/bin/node', process.execPath));
    const res = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', timeout: 30_000 });
    const complaints = `${res.stdout}${res.stderr}`.split('\n').filter((l) => l.includes('smtp-tls-exporter.service'));
    assert.equal(complaints, [], complaints.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- compose example

interface ComposeService {
  image?: string;
  build?: unknown;
  volumes?: string[];
  ports?: string[];
}

test('docker-compose.example.yml wires exporter, Prometheus, Alertmanager and Grafana to the repository files', () => {
  const doc = parseYaml(readFileSync(join(ROOT, 'docker-compose.example.yml'), 'utf8')) as { services: Record<string, ComposeService> };
  const s = doc.services;
  for (const name of ['smtp-tls-exporter', 'prometheus', 'alertmanager', 'grafana']) assert.ok(s[name], `service ${name}`);
  const mounts = (name: string): string[] => s[name]!.volumes ?? [];
  assert.ok(mounts('smtp-tls-exporter').some((v) => /^\/var\/log\/[^:]+:\/var\/log\/[^:]+:ro$/.test(v)), 'mail log mounted read-only');
  assert.ok(mounts('smtp-tls-exporter').some((v) => v.endsWith(`:${STATE_DIR}`)), 'state volume');
  assert.ok(mounts('smtp-tls-exporter').some((v) => v.includes(':/etc/smtp-tls-exporter/config.yml')), 'exporter config');
  assert.ok(mounts('prometheus').some((v) => v.startsWith('./dashboards/alerts.rules.yml:')), 'rules loaded by Prometheus');
  assert.ok(mounts('alertmanager').some((v) => v.startsWith('./dashboards/alertmanager.example.yml:')), 'alertmanager config');
  assert.ok(mounts('grafana').some((v) => v.startsWith('./dashboards/grafana-provisioning/')), 'grafana provisioning');
  for (const [name, svc] of Object.entries(s)) {
    if (svc.image) assert.not.match(svc.image, /:latest$|^[^:]+$/, `${name}: pin the image tag`);
    for (const p of svc.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name}: publish on loopback only`);
    for (const v of svc.volumes ?? []) {
      const src = v.split(':')[0]!;
      if (src.startsWith('./')) assert.ok(existsSync(join(ROOT, src)), `${name}: ${src} does not exist`);
    }
  }
  // The compose Prometheus scrapes the exporter service on its port.
  const prom = readFileSync(join(ROOT, 'deploy/compose/prometheus.yml'), 'utf8');
  assert.match(prom, /smtp-tls-exporter:10465/);
});

test.run();
