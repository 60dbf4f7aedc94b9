/**
 * Prints the hottest functions of a V8 `.cpuprofile` (from `node --cpu-prof`): self time and total
 * time (self plus callees), by function and source position.
 *
 *   node --import tsx bench/tools/profile-summary.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Hotspot {
  name: string;
  selfMs: number;
  totalMs: number;
}

export function summarise(profile: Profile): { totalMs: number; spots: Hotspot[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const label = (n: ProfileNode): string => {
    const f = n.callFrame;
    const file = f.url.replace(/^.*\/(dist|src|node_modules)\//, '$1/');
    return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const spots = [...self.keys()].map((name) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: (total.get(name) ?? 0) / 1000 }));
  spots.sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: (profile.endTime - profile.startTime) / 1000, spots };
}

function cli(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
  const top = Number(process.argv[3] ?? 30);
  const { totalMs, spots } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  process.stdout.write(`profile: ${totalMs.toFixed(0)} ms\n  self ms  total ms  function\n`);
  for (const s of spots.slice(0, top)) {
    process.stdout.write(`${s.selfMs.toFixed(1).padStart(9)} ${s.totalMs.toFixed(1).padStart(9)}  ${s.name}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) cli();
