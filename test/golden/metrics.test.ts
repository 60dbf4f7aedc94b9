import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusPath, manifest } from '../helpers/corpus.js';
import { startExporter, waitFor } from '../helpers/daemon.js';
import { sampleValue } from '../helpers/metrics-text.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/golden/replay.prom', import.meta.url));

/** Every recorded scenario in its syslog form, in manifest order. */
function corpusLines(): string {
  let out = '';
  for (const e of manifest()) {
    const file = e.mta === 'exim' ? e.file.replace(/\.log$/, '.syslog.log') : e.file;
    if (!e.file.includes('__') && existsSync(corpusPath(file))) out += readFileSync(corpusPath(file), 'utf8');
  }
  return out;
}

/** Drops what depends on the machine (process and runtime metrics, paths, versions) and sorts. */
function normalise(text: string, log: string): string {
  return text
    .split('\n')
    .filter((l) => l && !/^(# (HELP|TYPE) )?(process_|nodejs_)/.test(l))
    .map((l) => l.split(log).join('LOG').replace(/version="[^"]*",node_version="[^"]*"/, 'version="V",node_version="N"'))
    .sort()
    .join('\n');
}

test('replaying the corpus gives the golden /metrics text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'golden-'));
  const log = join(dir, 'mail.log');
  const text = corpusLines();
  writeFileSync(log, text);
  const config = join(dir, 'config.yml');
  writeFileSync(config, `state_dir: ${join(dir, 'state')}\nlogs:\n  - path: ${log}\n    start_at: beginning\n`);
  const d = await startExporter(['--config', config]);
  let raw: string;
  try {
    const lines = text.split('\n').filter(Boolean).length;
    raw = await waitFor('all lines read', async () => {
      const m = await d.metrics();
      return sampleValue(m, 'smtp_tls_log_lines_read_total', { path: log }) === lines ? m : undefined;
    });
    // The top-K peer gauge is recomputed at most once a second.
    await new Promise((r) => setTimeout(r, 1100));
    raw = await d.metrics();
  } finally {
    await d.stop();
  }
  const got = normalise(raw, log);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${got}\n`);
  assert.fixture(got, readFileSync(GOLDEN, 'utf8').trimEnd());

  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: raw, encoding: 'utf8' });
  if (promtool.error) {
    console.log('promtool not installed: `promtool check metrics` not run (CI installs the prometheus package)');
  } else {
    assert.is(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
  }
});

test.run();
