import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExporterError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createStateStore, type SavedState } from '../../src/logs/state-store.js';

function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'state-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', format: 'text', write: (l) => lines.push(l) }), lines };
}

const sample = (n: number): SavedState => ({
  version: 1,
  savedAt: new Date(1_800_000_000_000 + n).toISOString(),
  sources: { 'file:/var/log/mail.log': { v: 1, offset: n, dev: '2049', ino: '1234567890123456789', file: '/var/log/mail.log' } },
  parsers: { postfix: { open: [{ id: `Q${n}`, text: 'ünïcødé' }] } },
});

test('save then load returns the same state; the directory is created', () => {
  const { dir, cleanup } = tempDir();
  try {
    const stateDir = join(dir, 'a', 'b');
    const store = createStateStore(stateDir);
    assert.ok(statSync(stateDir).isDirectory());
    assert.is(store.path, join(stateDir, 'state.json'));
    assert.is(store.load(), null, 'nothing saved yet');
    store.save(sample(1));
    assert.equal(store.load(), sample(1));
    store.save(sample(2));
    assert.equal(createStateStore(stateDir).load(), sample(2), 'a new store on the same directory sees the last save');
    assert.equal(readdirSync(stateDir), ['state.json'], 'no temporary files are left');
  } finally {
    cleanup();
  }
});

test('a save replaces the file by rename: a reader never sees a partial file', () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = createStateStore(dir);
    store.save(sample(1));
    const inodeBefore = statSync(store.path).ino;
    const big: SavedState = { ...sample(2), parsers: { x: 'z'.repeat(2_000_000) } };
    store.save(big);
    assert.is.not(statSync(store.path).ino, inodeBefore, 'the file was replaced, not rewritten in place');
    assert.equal(JSON.parse(readFileSync(store.path, 'utf8')), big);
  } finally {
    cleanup();
  }
});

test('a corrupt or foreign state file is logged and ignored', () => {
  const { dir, cleanup } = tempDir();
  try {
    const { logger, lines } = recordingLogger();
    const store = createStateStore(dir, logger);
    writeFileSync(store.path, '{"version":1,"savedAt":"2026-11-23T00:00:00Z","sources":{"a":');
    assert.is(store.load(), null);
    assert.match(lines.join(''), /corrupt/);
    for (const bad of ['[]', '{"version":2,"savedAt":"x","sources":{},"parsers":{}}', '{"version":1,"savedAt":"x","sources":[],"parsers":{}}', 'null']) {
      writeFileSync(store.path, bad);
      assert.is(store.load(), null, bad);
    }
    assert.is(lines.length, 5);
    store.save(sample(3));
    assert.equal(store.load(), sample(3), 'saving over a corrupt file works');
  } finally {
    cleanup();
  }
});

test('temporary files left by an interrupted save are removed on load', () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = createStateStore(dir);
    store.save(sample(1));
    writeFileSync(join(dir, 'state.json.tmp-dead-1'), '{"version":1');
    writeFileSync(join(dir, 'other.json'), '{}');
    assert.equal(store.load(), sample(1));
    assert.equal(readdirSync(dir).sort(), ['other.json', 'state.json']);
  } finally {
    cleanup();
  }
});

test('a directory that cannot be created or written gives STATE_IO naming it', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    const below = join(file, 'state');
    try {
      createStateStore(below);
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, ExporterError);
      assert.is((err as ExporterError).code, 'STATE_IO');
      assert.ok((err as Error).message.includes(below), (err as Error).message);
    }
  } finally {
    cleanup();
  }
});

test('a failing save throws STATE_IO naming the directory and leaves no temporary file', () => {
  const { dir, cleanup } = tempDir();
  try {
    const stateDir = join(dir, 's');
    const store = createStateStore(stateDir);
    store.save(sample(1));
    // a directory in place of the state file makes the rename fail for any user, root included
    rmSync(store.path);
    mkdirSync(store.path);
    try {
      store.save(sample(2));
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, ExporterError);
      assert.is((err as ExporterError).code, 'STATE_IO');
      assert.ok((err as Error).message.includes(stateDir), (err as Error).message);
    }
    assert.equal(readdirSync(stateDir), ['state.json'], 'the temporary file was removed');
  } finally {
    cleanup();
  }
});

test('a read-only directory is refused (skipped when running as root)', () => {
  const { dir, cleanup } = tempDir();
  try {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    let writable = false;
    try {
      writeFileSync(join(ro, 'probe'), '');
      writable = true;
    } catch {
      // expected for ordinary users
    }
    if (writable) return;
    assert.throws(() => createStateStore(ro), (err: unknown) => err instanceof ExporterError && err.code === 'STATE_IO' && err.message.includes(ro));
    assert.not.ok(existsSync(join(ro, 'state.json')));
  } finally {
    chmodSync(join(dir, 'ro'), 0o700);
    cleanup();
  }
});

test.run();
