/**
 * `npm run bench [-- OPTIONS]`: ingest, report, scrape and probe measurements of smtp-tls-exporter,
 * side by side with postfix_exporter and mtail on the same generated log in the same run. Prints a
 * table of medians and the targets met, and writes bench/results/latest.json.
 *
 * `npm run bench -- --soak 10m`: the soak run instead (steady rate, rotation, scrapes).
 */
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateLogFile, type Expected } from './generate-log.js';
import { runFollowFloor, runReport, runStaticFloor, type BatchResult } from './tools/batch.js';
import { runDaemonIngest, type IngestResult } from './tools/daemon.js';
import { journalUnavailable, runJournalIngest, type JournalResult } from './tools/journal.js';
import { OTHER_TOOLS, ensureOtherTools, runOther, type OtherResult } from './tools/others.js';
import { ROOT, cpuMsOf, median, percentile, run, sleep, start } from './tools/proc.js';
import { summarise } from './tools/profile-summary.js';
import { parseDuration, runSoak } from './tools/soak.js';

const USAGE = `Usage: npm run bench -- [options]
  --runs N          runs of each smtp-tls-exporter / Node.js measurement (default 5)
  --other-runs N    runs of postfix_exporter and mtail (default 3; they take ~10 s each)
  --lines N         lines in the generated log (default 1000000)
  --peers N         distinct peers in it (default 50000)
  --seed N          generator seed (default 1)
  --long-factor N   the RSS-flatness run ingests N times the lines with N times the peers (default 10; 0 skips it)
  --journal-records N  records for the journald measurement (default 200000; as root only)
  --skip LIST       comma-separated parts to leave out: others, rfc3339, scrape, probes, long, journal
  --profile         also run the daemon once under --cpu-prof and print its hottest functions
  --node-args=ARGS  extra node flags for every daemon run (e.g. --node-args="--max-semi-space-size=4"), for A/B runs
  --soak DURATION   run the soak test instead (e.g. 10m): 20k lines/s, rename rotation every minute, a scrape every second
`;

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

interface Options {
  runs: number;
  otherRuns: number;
  lines: number;
  peers: number;
  seed: number;
  longFactor: number;
  journalRecords: number;
  skip: Set<string>;
  profile: boolean;
  nodeArgs: string[];
}

const WORK = join(ROOT, 'bench', 'work');
const RESULTS = join(ROOT, 'bench', 'results');

/** The generated log and its expected counts, made once per (lines, peers, seed, timestamps) and kept in bench/work. */
function cachedLog(lines: number, peers: number, seed: number, timestamps: 'rfc3164' | 'rfc3339' = 'rfc3164'): { file: string; expected: Expected } {
  mkdirSync(WORK, { recursive: true });
  const name = `postfix-${lines}-${peers}-${seed}${timestamps === 'rfc3339' ? '-rfc3339' : ''}`;
  const file = join(WORK, `${name}.log`);
  const meta = join(WORK, `${name}.json`);
  if (existsSync(file) && existsSync(meta)) {
    const expected = JSON.parse(readFileSync(meta, 'utf8')) as Expected;
    if (statSync(file).size === expected.bytes) return { file, expected };
  }
  out(`generating ${lines.toLocaleString('en')} lines (seed ${seed}, ${peers.toLocaleString('en')} peers) …`);
  const t0 = performance.now();
  const expected = generateLogFile(`${file}.tmp`, { lines, seed, peers, timestamps });
  renameSync(`${file}.tmp`, file);
  writeFileSync(meta, JSON.stringify(expected));
  out(`  ${(expected.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { file, expected };
}

async function toolVersion(cmd: string, args: string[]): Promise<string> {
  try {
    const r = await run(cmd, args);
    return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

const fmtRate = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`);
const fmtMiB = (x: number): string => `${x.toFixed(1)} MiB`;

const fmtJournal = (j: JournalResult): string =>
  `${j.records.toLocaleString('en')} records read in ${(j.ms / 1000).toFixed(2)} s from the daemon's start (${fmtRate(j.recordsPerSec)} records/s), ` +
  `CPU ${(j.daemonCpuMs / 1000).toFixed(2)} s daemon + ${(j.journalctlCpuMs / 1000).toFixed(2)} s journalctl`;

/** One ingest of the daemon: its rate, its rate once warm, its peak RSS and what its V8 heap holds at the end. */
const fmtIngest = (d: IngestResult): string =>
  `${fmtRate(d.linesPerSec)} lines/s (${fmtRate(d.steadyLinesPerSec)} after the first 20%), peak ${fmtMiB(d.peakRssMiB)}, ` +
  `heap at the end: young ${d.heapMiB.young.toFixed(0)} + old ${d.heapMiB.old.toFixed(0)} of ${d.heapMiB.total.toFixed(0)} MiB` +
  (d.exact ? '' : `, NOT EXACT: ${d.differences.slice(0, 3).join('; ')}`);

interface Row {
  tool: string;
  runs: number;
  linesPerSec: number;
  peakRssMiB: number;
  cpuMsPerMLines: number;
  exact: string;
  note: string;
}

function row(tool: string, rs: (IngestResult | BatchResult | OtherResult)[], lines: number, note: string): Row {
  const exact = rs.every((r) => ('exact' in r ? r.exact : r.complete));
  return {
    tool,
    runs: rs.length,
    linesPerSec: median(rs.map((r) => r.linesPerSec)),
    peakRssMiB: Math.max(...rs.map((r) => r.peakRssMiB)),
    cpuMsPerMLines: median(rs.map((r) => (r.cpuMs * 1e6) / lines)),
    exact: exact ? 'yes' : 'NO',
    note,
  };
}

function table(rows: Row[], reference: number): string {
  const head = ['tool', 'runs', 'lines/s (median)', 'vs postfix_exporter', 'peak RSS (max)', 'CPU s / M lines', 'counts', 'notes'];
  const body = rows.map((r) => [
    r.tool,
    String(r.runs),
    fmtRate(r.linesPerSec),
    Number.isFinite(reference) ? `${(r.linesPerSec / reference).toFixed(2)}×` : '-',
    fmtMiB(r.peakRssMiB),
    Number.isFinite(r.cpuMsPerMLines) ? (r.cpuMsPerMLines / 1000).toFixed(2) : '-',
    r.exact,
    r.note,
  ]);
  const lines = [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

interface Target {
  name: string;
  met: boolean;
  value: string;
}

async function measureProbes(): Promise<Record<string, number> | null> {
  const server = start(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/tools/probe-server.ts')], { cwd: ROOT });
  try {
    const deadline = Date.now() + 20_000;
    while (!server.output().includes('"smtp"')) {
      if (Date.now() > deadline || server.proc.exitCode !== null) throw new Error(`probe server did not start: ${server.output()}`);
      await sleep(20);
    }
    const ports = JSON.parse(server.output().split('\n')[0]!) as { smtp: number; tls: number };
    const cpu0 = cpuMsOf(server.pid) ?? 0;
    const r = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/tools/probe-client.ts'), String(ports.smtp), String(ports.tls), '200', '50', '5'], {
      cwd: ROOT,
    });
    const serverCpu = (cpuMsOf(server.pid) ?? 0) - cpu0;
    if (r.code !== 0) throw new Error(`probe client failed: ${r.stderr}`);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    // the server's CPU covers the sequential part too: spread it over every session it served
    const sessions = 20 + 200 + res.probes! + res.failed!;
    res.serverCpuMsPerProbe = serverCpu / sessions;
    return res;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      'other-runs': { type: 'string', default: '3' },
      lines: { type: 'string', default: '1000000' },
      peers: { type: 'string', default: '50000' },
      seed: { type: 'string', default: '1' },
      'long-factor': { type: 'string', default: '10' },
      'journal-records': { type: 'string', default: '200000' },
      skip: { type: 'string', default: '' },
      profile: { type: 'boolean', default: false },
      'node-args': { type: 'string', default: '' },
      soak: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(USAGE);
    return;
  }
  mkdirSync(RESULTS, { recursive: true });
  mkdirSync(WORK, { recursive: true });
  if (values.soak) {
    await soak(parseDuration(values.soak));
    return;
  }
  const o: Options = {
    runs: Number(values.runs),
    otherRuns: Number(values['other-runs']),
    lines: Number(values.lines),
    peers: Number(values.peers),
    seed: Number(values.seed),
    longFactor: Number(values['long-factor']),
    journalRecords: Number(values['journal-records']),
    skip: new Set(values.skip!.split(',').filter(Boolean)),
    profile: values.profile!,
    nodeArgs: values['node-args']!.split(' ').filter(Boolean),
  };
  const started = Date.now();
  const env = {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpu: cpus()[0]?.model ?? '?',
    cpus: cpus().length,
    postfixExporter: '',
    mtail: '',
  };
  out(`smtp-tls-exporter benchmark — node ${env.node}, ${env.cpus} × ${env.cpu}`);
  let others = { postfixExporter: false, mtail: false };
  if (!o.skip.has('others')) {
    others = await ensureOtherTools(out);
    if (others.postfixExporter) env.postfixExporter = await toolVersion('dpkg-query', ['-W', '-f=${Version}', 'prometheus-postfix-exporter']);
    if (others.mtail) env.mtail = await toolVersion('dpkg-query', ['-W', '-f=${Version}', 'mtail']);
  }
  const { file, expected } = cachedLog(o.lines, o.peers, o.seed);
  const pct = (n: number): string => `${((100 * n) / expected.lines).toFixed(1)}%`;
  out(
    `log: ${expected.lines.toLocaleString('en')} lines, ${(expected.bytes / 1e6).toFixed(1)} MB, ${pct(expected.establishedLines)} TLS-established lines, ` +
      `${pct(expected.failureLines)} TLS-failure lines, ${expected.distinctPeers.toLocaleString('en')} peers`,
  );
  const iso = o.skip.has('rfc3339') ? null : cachedLog(o.lines, o.peers, o.seed, 'rfc3339');

  // ---- ingest: the tools take turns, so that all of them see the same machine over the run
  const daemon: IngestResult[] = [];
  const daemonIso: IngestResult[] = [];
  const report: BatchResult[] = [];
  const followFloor: BatchResult[] = [];
  const staticFloor: BatchResult[] = [];
  const readlineFloor: BatchResult[] = [];
  const pe: OtherResult[] = [];
  const mt: OtherResult[] = [];
  const rounds = Math.max(o.runs, others.postfixExporter || others.mtail ? o.otherRuns : 0);
  for (let i = 0; i < rounds; i++) {
    out(`round ${i + 1}/${rounds}`);
    if (i < o.runs) {
      const d = await runDaemonIngest(file, expected, { workDir: WORK, nodeArgs: o.nodeArgs });
      daemon.push(d);
      out(`  daemon            ${fmtIngest(d)}`);
      if (iso) {
        const di = await runDaemonIngest(iso.file, iso.expected, { workDir: WORK, nodeArgs: o.nodeArgs });
        daemonIso.push(di);
        out(`  daemon (RFC 3339) ${fmtIngest(di)}`);
      }
      const f = await runFollowFloor(file, expected, WORK);
      followFloor.push(f);
      out(`  floor (follow)    ${fmtRate(f.linesPerSec)} lines/s, peak ${fmtMiB(f.peakRssMiB)}`);
      const s = await runStaticFloor(file, expected);
      staticFloor.push(s);
      out(`  floor (loop)      ${fmtRate(s.linesPerSec)} lines/s, peak ${fmtMiB(s.peakRssMiB)}`);
      const rl = await runStaticFloor(file, expected, 'readline');
      readlineFloor.push(rl);
      out(`  floor (readline)  ${fmtRate(rl.linesPerSec)} lines/s, peak ${fmtMiB(rl.peakRssMiB)}`);
      const r = await runReport(file, expected);
      report.push(r);
      out(`  report            ${fmtRate(r.linesPerSec)} lines/s, peak ${fmtMiB(r.peakRssMiB)}${r.exact ? '' : `, NOT EXACT: ${r.differences.slice(0, 3).join('; ')}`}`);
    }
    if (i < o.otherRuns && others.postfixExporter) {
      const p = await runOther(OTHER_TOOLS.postfixExporter, file, expected, WORK);
      pe.push(p);
      out(`  postfix_exporter  ${fmtRate(p.linesPerSec)} lines/s, peak ${fmtMiB(p.peakRssMiB)} ${p.detail}`);
    }
    if (i < o.otherRuns && others.mtail) {
      const m = await runOther(OTHER_TOOLS.mtail, file, expected, WORK);
      mt.push(m);
      out(`  mtail             ${fmtRate(m.linesPerSec)} lines/s, peak ${fmtMiB(m.peakRssMiB)} ${m.detail}`);
    }
  }

  // ---- memory over a 10× longer run
  let long: IngestResult | null = null;
  if (!o.skip.has('long') && o.longFactor > 1) {
    const big = cachedLog(o.lines * o.longFactor, o.peers * o.longFactor, o.seed);
    out(`long run: ${big.expected.lines.toLocaleString('en')} lines, ${big.expected.distinctPeers.toLocaleString('en')} peers, appended in one go`);
    long = await runDaemonIngest(big.file, big.expected, { workDir: WORK, timeoutMs: 600_000, nodeArgs: o.nodeArgs });
    out(`  daemon            ${fmtIngest(long)}`);
  }

  // ---- scrapes: 2,000 series (the top-K peer gauge set to 1,900 peers)
  let scrape: { medianMs: number; p90Ms: number; series: number; withScrapes: number; without: number; scrapesDuringIngest: number } | null = null;
  if (!o.skip.has('scrape')) {
    out('scrape: peers.top 1900, 200 scrapes after ingest; ingest with and without a scrape every 100 ms');
    const configYaml = 'peers:\n  top: 1900\n';
    const withS: IngestResult[] = [];
    const without: IngestResult[] = [];
    let timed: IngestResult | null = null;
    for (let i = 0; i < 3; i++) {
      const a = await runDaemonIngest(file, expected, { workDir: WORK, configYaml, measureScrapes: i === 0 ? 200 : 0, nodeArgs: o.nodeArgs });
      without.push(a);
      if (i === 0) timed = a;
      const b = await runDaemonIngest(file, expected, { workDir: WORK, configYaml, scrapeEveryMs: 100, nodeArgs: o.nodeArgs });
      withS.push(b);
      out(`  without ${fmtRate(a.linesPerSec)} lines/s, with scrapes ${fmtRate(b.linesPerSec)} lines/s (${b.scrapes} scrapes)`);
    }
    scrape = {
      medianMs: median(timed!.scrapeMs!),
      p90Ms: percentile(timed!.scrapeMs!, 90),
      series: timed!.series!,
      withScrapes: median(withS.map((r) => r.linesPerSec)),
      without: median(without.map((r) => r.linesPerSec)),
      scrapesDuringIngest: median(withS.map((r) => r.scrapes)),
    };
    out(`  ${scrape.series} series: median scrape ${scrape.medianMs.toFixed(2)} ms, p90 ${scrape.p90Ms.toFixed(2)} ms`);
  }

  // ---- journald: the journal source through journalctl --output=export
  let journal: JournalResult | null = null;
  if (!o.skip.has('journal')) {
    const why = journalUnavailable();
    if (why !== null) {
      out(`journald: left out (${why})`);
    } else {
      out(`journald: ${o.journalRecords.toLocaleString('en')} records in a journal namespace of the bench's own, read from the start`);
      journal = await runJournalIngest(file, o.journalRecords, WORK);
      out(`  ${fmtJournal(journal)}`);
    }
  }

  // ---- probes
  let probes: Record<string, number> | null = null;
  if (!o.skip.has('probes')) {
    out('probes: loopback STARTTLS server in its own process; 200 one at a time, then 50 in flight for 5 s');
    probes = await measureProbes();
    out(
      `  ${probes!.probesPerSec!.toFixed(0)} probes/s, client CPU ${probes!.clientCpuMsPerProbe!.toFixed(2)} ms/probe, server CPU ${probes!.serverCpuMsPerProbe!.toFixed(2)} ms/probe; ` +
        `probe ${probes!.probeMedianMs!.toFixed(2)} ms vs bare TLS ${probes!.bareMedianMs!.toFixed(2)} ms`,
    );
  }

  // ---- profile
  let profile: { fn: string; selfMs: number; totalMs: number }[] | null = null;
  if (o.profile) {
    const dir = join(WORK, 'profile');
    mkdirSync(dir, { recursive: true });
    await runDaemonIngest(file, expected, { workDir: WORK, nodeArgs: [...o.nodeArgs, '--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'] });
    const latest = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
    if (latest) {
      const s = summarise(JSON.parse(readFileSync(join(dir, latest), 'utf8')));
      profile = s.spots.slice(0, 25).map((x) => ({ fn: x.name, selfMs: x.selfMs, totalMs: x.totalMs }));
      out(`profile of one daemon ingest (${join(dir, latest)}):\n  self ms  total ms  function`);
      for (const p of profile) out(`${p.selfMs.toFixed(1).padStart(9)} ${p.totalMs.toFixed(1).padStart(9)}  ${p.fn}`);
    }
  }

  // ---- table and targets
  const rows: Row[] = [];
  if (pe.length > 0) rows.push(row(`postfix_exporter ${env.postfixExporter}`, pe, expected.lines, 'its own counters reach the generator’s'));
  if (mt.length > 0) rows.push(row(`mtail ${env.mtail}`, mt, expected.lines, 'bench/mtail/tls.mtail (literal-gated)'));
  rows.push(row('Node.js read + split, exporter’s follower (floor)', followFloor, expected.lines, 'same follow + append as the daemon; every line a string, nothing else'));
  rows.push(row('Node.js read + split, tight loop', staticFloor, expected.lines, 'readSync 1 MiB + a string per line; file already written'));
  rows.push(row('Node.js read + split, node:readline', readlineFloor, expected.lines, 'readline over a read stream; file already written'));
  rows.push(row('smtp-tls-exporter daemon', daemon, expected.lines, 'followed file → parser → metrics; exact counts required'));
  if (iso) {
    rows.push(row('smtp-tls-exporter daemon, RFC 3339 timestamps', daemonIso, expected.lines, 'the same log as rsyslog writes it since Debian 12 (`2026-03-03T00:00:00.123456+00:00`)'));
  }
  rows.push(row('smtp-tls-exporter report', report, expected.lines, 'whole process, Node.js start-up included'));
  if (long) rows.push(row(`smtp-tls-exporter daemon, ${o.longFactor}× lines and peers`, [long], expected.lines * o.longFactor, 'memory flatness run'));
  const reference = pe.length > 0 ? median(pe.map((r) => r.linesPerSec)) : Number.NaN;
  const d = row('', daemon, expected.lines, '');
  const ff = row('', followFloor, expected.lines, '');
  const rlf = row('', readlineFloor, expected.lines, '');
  const rp = row('', report, expected.lines, '');
  const targets: Target[] = [];
  if (Number.isFinite(reference)) {
    const warm = median(daemon.map((x) => x.steadyLinesPerSec));
    targets.push({
      name: 'daemon ≥ 10× postfix_exporter',
      met: d.linesPerSec >= 10 * reference,
      value: `${(d.linesPerSec / reference).toFixed(2)}× (${(warm / reference).toFixed(2)}× after the first 20% of the lines)`,
    });
  }
  const isoExact = daemonIso.every((x) => x.exact);
  targets.push({ name: 'daemon counts exact (every run)', met: d.exact === 'yes' && isoExact && (long === null || long.exact), value: isoExact ? d.exact : 'no (RFC 3339 log)' });
  targets.push({
    name: 'daemon ≥ 60% of the Node.js read+split floor: node:readline',
    met: d.linesPerSec >= 0.6 * rlf.linesPerSec,
    value: `${((100 * d.linesPerSec) / rlf.linesPerSec).toFixed(0)}%`,
  });
  targets.push({
    name: 'daemon ≥ 60% of the Node.js read+split floor: the exporter’s follower',
    met: d.linesPerSec >= 0.6 * ff.linesPerSec,
    value: `${((100 * d.linesPerSec) / ff.linesPerSec).toFixed(0)}%`,
  });
  targets.push({ name: 'daemon peak RSS ≤ 100 MiB', met: d.peakRssMiB <= 100, value: fmtMiB(d.peakRssMiB) });
  if (long) {
    targets.push({
      name: `peak RSS flat (≤ +10%) over ${o.longFactor}× lines and peers`,
      met: long.peakRssMiB <= 1.1 * d.peakRssMiB,
      value:
        `${fmtMiB(long.peakRssMiB)} vs ${fmtMiB(d.peakRssMiB)} (${(((long.peakRssMiB / d.peakRssMiB) - 1) * 100).toFixed(1)}%); ` +
        `young generation ${long.heapMiB.young.toFixed(0)} vs ${median(daemon.map((x) => x.heapMiB.young)).toFixed(0)} MiB`,
    });
  }
  targets.push({ name: 'report ≥ 1.2× the daemon', met: rp.linesPerSec >= 1.2 * d.linesPerSec && rp.exact === 'yes', value: `${(rp.linesPerSec / d.linesPerSec).toFixed(2)}×` });
  if (scrape) {
    targets.push({ name: `median scrape ≤ 5 ms with ≥ 2,000 series`, met: scrape.medianMs <= 5 && scrape.series >= 2000, value: `${scrape.medianMs.toFixed(2)} ms, ${scrape.series} series` });
    targets.push({
      name: 'scrapes every 100 ms slow ingest by ≤ 10%',
      met: scrape.withScrapes >= 0.9 * scrape.without,
      value: `${(((scrape.without - scrape.withScrapes) / scrape.without) * 100).toFixed(1)}% slower`,
    });
  }
  if (probes) {
    targets.push({ name: '≥ 300 probes/s with 50 in flight', met: probes.probesPerSec! >= 300 && probes.failed === 0, value: `${probes.probesPerSec!.toFixed(0)}/s` });
    targets.push({ name: 'a probe adds < 2 ms over a bare TLS handshake', met: probes.overheadMs! < 2, value: `${probes.overheadMs!.toFixed(2)} ms` });
  }

  out('');
  out(
    `${expected.lines.toLocaleString('en')}-line Postfix log (${(expected.bytes / 1e6).toFixed(0)} MB), appended in one go to a followed file; node ${env.node}, ${env.cpus} × ${env.cpu}` +
      (o.nodeArgs.length > 0 ? `; daemon run with ${o.nodeArgs.join(' ')}` : ''),
  );
  out('');
  out(table(rows, reference));
  out('');
  if (scrape) {
    out(
      `Scrape: ${scrape.series} series, median ${scrape.medianMs.toFixed(2)} ms (p90 ${scrape.p90Ms.toFixed(2)} ms); ingest ${fmtRate(scrape.without)} lines/s without, ` +
        `${fmtRate(scrape.withScrapes)} lines/s with a scrape every 100 ms.`,
    );
  }
  if (journal) out(`journald: ${fmtJournal(journal)}.`);
  if (probes) {
    out(
      `Probes: ${probes.probesPerSec!.toFixed(0)}/s with 50 in flight (${probes.failed} failed), CPU per probe ${probes.clientCpuMsPerProbe!.toFixed(2)} ms client + ` +
        `${probes.serverCpuMsPerProbe!.toFixed(2)} ms server; one at a time: probe ${probes.probeMedianMs!.toFixed(2)} ms, bare TLS handshake ${probes.bareMedianMs!.toFixed(2)} ms.`,
    );
  }
  out('');
  out('| target | met | value |');
  out('| --- | --- | --- |');
  for (const t of targets) out(`| ${t.name} | ${t.met ? 'yes' : 'NO'} | ${t.value} |`);
  out('');
  out(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);

  const result = {
    env,
    log: { ...expected, handshakes: undefined, failures: undefined, file },
    options: { ...o, skip: [...o.skip] },
    rows,
    targets,
    daemon,
    daemonRfc3339: daemonIso,
    report,
    followFloor,
    staticFloor,
    readlineFloor,
    postfixExporter: pe,
    mtail: mt,
    long,
    scrape,
    journal,
    probes,
    profile,
  };
  // a run with extra node flags is an experiment: it does not replace the default run's results
  const name = o.nodeArgs.length > 0 ? 'latest-node-args.json' : 'latest.json';
  writeFileSync(join(RESULTS, name), `${JSON.stringify(result, null, 2)}\n`);
  out(`written ${join('bench', 'results', name)}`);
}

async function soak(seconds: number): Promise<void> {
  out(`soak: ${seconds} s at 20,000 lines/s, rename rotation every 60 s, a scrape every second`);
  const r = await runSoak({ seconds, linesPerSec: 20_000, rotateEverySec: 60, scrapeEverySec: 1, seed: 7, peers: 50_000, workDir: WORK, log: out });
  out('');
  out('| measure | value |');
  out('| --- | --- |');
  out(`| lines written | ${r.linesWritten.toLocaleString('en')} |`);
  out(`| lines read | ${r.linesRead.toLocaleString('en')} |`);
  out(`| lines lost | ${r.linesLost} |`);
  out(`| counts exact | ${r.exact ? 'yes' : `NO: ${r.differences.slice(0, 3).join('; ')}`} |`);
  out(`| rotations (done / seen by the exporter) | ${r.rotations} / ${r.rotationsSeen} |`);
  out(`| RSS first minute / last minute / max | ${fmtMiB(r.rssFirstMinuteMiB)} / ${fmtMiB(r.rssLastMinuteMiB)} / ${fmtMiB(r.rssMaxMiB)} |`);
  out(`| max lag | ${(r.maxLagBytes / 1024).toFixed(0)} KiB |`);
  out(`| catch-up after the last write | ${r.catchUpMs.toFixed(0)} ms |`);
  out(`| median scrape | ${r.medianScrapeMs.toFixed(2)} ms |`);
  out('');
  out('RSS over time (MiB, one value per minute):');
  const perMinute: string[] = [];
  for (let m = 0; m * 60 <= seconds; m++) {
    const xs = r.samples.filter((x) => x.t >= m * 60 && x.t < (m + 1) * 60).map((x) => x.rssMiB);
    if (xs.length > 0) perMinute.push(`${m}m ${Math.max(...xs).toFixed(1)}`);
  }
  out(`  ${perMinute.join(', ')}`);
  out('V8 heap at the end of each minute (MiB committed, young generation + old space):');
  const heapPerMinute: string[] = [];
  for (let m = 0; m * 60 <= seconds; m++) {
    const x = r.samples.filter((y) => y.t >= m * 60 && y.t < (m + 1) * 60).at(-1);
    if (x) heapPerMinute.push(`${m}m ${x.heap.young.toFixed(0)} + ${x.heap.old.toFixed(0)}`);
  }
  out(`  ${heapPerMinute.join(', ')}`);
  const flat = r.rssLastMinuteMiB <= 1.1 * r.rssFirstMinuteMiB;
  out(`lines lost: ${r.linesLost} (${r.linesLost === 0 ? 'ok' : 'FAIL'}); RSS ${flat ? 'flat' : 'GREW'} (last minute ${fmtMiB(r.rssLastMinuteMiB)} vs first ${fmtMiB(r.rssFirstMinuteMiB)})`);
  writeFileSync(join(RESULTS, 'soak-latest.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.versions.node, ...r }, null, 2)}\n`);
  out(`written ${join('bench', 'results', 'soak-latest.json')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
