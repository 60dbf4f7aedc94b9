// Runs every test/**/*.test.ts file in its own uvu process (a crash in one file cannot hide the
// others) and ends with the plain summary line `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'test');
const only = process.argv[2] ? new RegExp(process.argv[2]) : null;

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const uvu = join(root, 'node_modules', 'uvu', 'bin.js');
let passed = 0;
let failed = 0;
let skipped = 0;
const timings = [];
for (const file of findTests(testDir)) {
  const rel = relative(testDir, file);
  if (only && !only.test(rel)) continue;
  const escaped = rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const started = Date.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', uvu, 'test', `^${escaped}$`], {
    cwd: root,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60 * 1000,
  });
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  process.stdout.write(out);
  timings.push([rel, Date.now() - started]);
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const skip = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed += 1;
    process.stdout.write(`\n${rel}: did not finish (exit ${res.status ?? res.signal}); counted as one failure\n`);
    continue;
  }
  passed += ok;
  failed += total - ok;
  skipped += skip;
  if (res.status !== 0 && total === ok) {
    failed += 1;
    process.stdout.write(`\n${rel}: exited ${res.status ?? res.signal} after its tests; counted as one failure\n`);
  }
}
timings.sort((a, b) => b[1] - a[1]);
process.stdout.write(`\nSlowest files: ${timings.slice(0, 8).map(([f, ms]) => `${f} ${(ms / 1000).toFixed(1)}s`).join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
