import { copyFileSync, readFileSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertExactly, collector, follow, lineText, sleep, tempDir, waitFor, Writer, withFollowedFile } from './follow-helpers.js';

const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('stop, save, restart while the writer keeps writing: nothing lost, nothing repeated', async () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'mail.log');
  const w = new Writer(path);
  const a = follow({ path, startAt: 'beginning' });
  let b: ReturnType<typeof follow> | null = null;
  try {
    await a.src.start();
    const writing = w.writeSlowly(2000, 20, 3);
    await waitFor(() => a.c.lines.length >= 400, '400 lines');
    await a.src.stop();
    const saved = roundTrip(a.src.position());
    const seen = a.c.lines.length;
    await sleep(150);
    assert.is(a.c.lines.length, seen, 'nothing is delivered after stop');
    // startAt is ignored when there is a saved position
    b = follow({ path, startAt: 'end', saved });
    await b.src.start();
    await writing;
    await waitFor(() => a.c.lines.length + b!.c.lines.length >= 2000, 'all lines', 5000);
    await sleep(100);
    assertExactly([...a.c.lines, ...b.c.lines], 1, 2000);
    assert.equal(b.c.rotations, []);
  } finally {
    await a.src.stop();
    await b?.src.stop();
    w.close();
    cleanup();
  }
});

interface RestartCase {
  /** Lines written and read before the follower stops. */
  before: number;
  /** What happens to the log while nothing follows it (more lines are written). */
  meanwhile(path: string, w: Writer): void;
  /** The second follower's startAt, which a saved position must override. */
  startAt: 'beginning' | 'end';
  /** The second follower must deliver exactly lines from..to. */
  from: number;
  to: number;
  /** Its rotations, when the case checks them. */
  rotations?: string[];
}

/** Follows a new log, stops after `before` lines, lets `meanwhile` happen, and resumes from the saved position. */
async function restartAfter(rc: RestartCase): Promise<void> {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'mail.log');
  const w = new Writer(path);
  const a = follow({ path, startAt: 'beginning' });
  let b: ReturnType<typeof follow> | null = null;
  try {
    await a.src.start();
    w.write(rc.before);
    await waitFor(() => a.c.lines.length === rc.before, `${rc.before} lines`);
    await a.src.stop();
    const saved = roundTrip(a.src.position());
    rc.meanwhile(path, w);
    b = follow({ path, startAt: rc.startAt, saved });
    await b.src.start();
    const more = rc.to - rc.from + 1;
    await waitFor(() => b!.c.lines.length >= more, `${more} more lines`, 3000, () => `got ${b!.c.lines.length}`);
    await sleep(100);
    assertExactly(b.c.lines, rc.from, rc.to);
    if (rc.rotations) assert.equal(b.c.rotations, rc.rotations);
  } finally {
    await a.src.stop();
    await b?.src.stop();
    w.close();
    cleanup();
  }
}

test('restart after a rename rotation: the rotated file is finished from the saved offset, then the new one', async () => {
  await restartAfter({
    before: 500,
    meanwhile(path, w) {
      w.write(200);
      // decoys: an older rotation and a compressed one
      writeFileSync(`${path}.1`, `${lineText(1)}\n${'decoy\n'.repeat(2000)}`);
      writeFileSync(`${path}.2.gz`, readFileSync(path));
      renameSync(path, `${path}-20261123`);
      w.reopen(path);
      w.write(300);
    },
    startAt: 'beginning',
    from: 501,
    to: 1000,
    rotations: ['rename'],
  });
});

test('restart after a copytruncate: the rest comes from the copy, then the truncated file from 0', async () => {
  await restartAfter({
    before: 500,
    meanwhile(path, w) {
      w.write(200);
      copyFileSync(path, `${path}.1`);
      truncateSync(path, 0);
      w.write(300);
    },
    startAt: 'beginning',
    from: 501,
    to: 1000,
    rotations: ['truncate'],
  });
});

test('restart when the saved file is gone: the current file is read from 0', async () => {
  await restartAfter({
    before: 300,
    meanwhile(path, w) {
      unlinkSync(path);
      w.reopen(path);
      w.write(200);
    },
    startAt: 'end',
    from: 301,
    to: 500,
  });
});

test('a saved position that is not a position is reported and startAt applies', async () => {
  await withFollowedFile({ startAt: 'end', saved: { offset: 'x' }, before: (w) => w.write(10) }, async ({ w, c }) => {
    w.write(5);
    await waitFor(() => c.lines.length >= 5, '5 lines');
    await sleep(80);
    assertExactly(c.lines, 11, 15);
    assert.is(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /saved position/);
  });
});

test('positions taken after each batch cover exactly the lines delivered so far; an old one re-delivers only what followed it', async () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'mail.log');
  const w = new Writer(path);
  const a = follow({ path, startAt: 'beginning', readChunkBytes: 4096 });
  const taken: { pos: unknown; count: number; rotated: boolean }[] = [];
  a.c.onBatch = () => taken.push({ pos: roundTrip(a.src.position()), count: a.c.lines.length, rotated: a.c.rotations.length > 0 });
  try {
    await a.src.start();
    await w.writeSlowly(1500, 30, 3);
    w.raw('partial');
    await waitFor(() => a.c.lines.length === 1500, '1500 lines');
    const content = readFileSync(path);
    for (const { pos, count } of taken) {
      const offset = (pos as { offset: number }).offset;
      assert.is(content[offset - 1], 0x0a, 'a position is at a line start');
      let newlines = 0;
      for (let i = 0; i < offset; i++) if (content[i] === 0x0a) newlines++;
      assert.is(newlines, count, 'a position covers exactly the delivered lines');
    }
    const pending = a.src.position() as { offset: number };
    assert.is(pending.offset, content.length - 'partial'.length, 'the partial line is not covered');
    w.raw('\n');
    w.next = 1501;
    // rotation while positions are still being taken: some are taken while the old file is drained
    renameSync(path, `${path}.1`);
    await w.writeSlowly(300, 30, 3);
    w.reopen(path);
    await w.writeSlowly(600, 30, 3);
    await waitFor(() => a.c.lines.length === 2401, 'all lines', 5000, () => `got ${a.c.lines.length}`);
    await a.src.stop();
    const all = a.c.lines.filter((l) => l !== 'partial');
    assertExactly(all, 1, 2400);

    // a crash loses everything after the last saved position; restarting from it re-delivers exactly the rest
    const picks = [taken[Math.floor(taken.length / 4)]!, taken.find((t) => t.count > 1600 && !t.rotated)!, taken.find((t) => t.rotated)!];
    assert.ok(picks.every((p) => p !== undefined), 'positions before, during and after the rotation');
    for (const pick of picks) {
      const c = collector();
      const b = follow({ path, startAt: 'end', saved: pick.pos }, c);
      await b.src.start();
      await waitFor(() => c.lines.length >= a.c.lines.length - pick.count, `the rest after ${pick.count}`, 3000, () => `got ${c.lines.length}`);
      await sleep(60);
      await b.src.stop();
      assert.equal(c.lines, a.c.lines.slice(pick.count), `restart from the position after line ${pick.count}`);
    }
  } finally {
    await a.src.stop();
    w.close();
    cleanup();
  }
});

test.run();
