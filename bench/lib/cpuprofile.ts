// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by module, heaviest first.
//   node dist/bench/lib/cpuprofile.js FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

const file = process.argv[2];
if (!file) {
  console.error('usage: cpuprofile FILE.cpuprofile [--top N]');
  process.exit(2);
}
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 40;
const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const short = (u: string) => u.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '').replace(/^node:/, 'node:');
const fn = new Map<string, number>();
const mod = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const u = short(n.callFrame.url) || '(native)';
  const k = `${n.callFrame.functionName || '(anon)'}  ${u}:${n.callFrame.lineNumber + 1}`;
  fn.set(k, (fn.get(k) ?? 0) + us);
  const m = u.startsWith('node:') ? u : u.split('/').slice(0, u.includes('@') ? 2 : 1).join('/');
  mod.set(m, (mod.get(m) ?? 0) + us);
}
// Inclusive time: each sample counts once for every distinct function on its stack.
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (n: Node) => `${n.callFrame.functionName || '(anon)'}  ${short(n.callFrame.url) || '(native)'}:${n.callFrame.lineNumber + 1}`;
const incl = new Map<string, number>();
p.samples.forEach((id, i) => {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) seen.add(keyOf(byId.get(cur)!));
  for (const k of seen) incl.set(k, (incl.get(k) ?? 0) + (p.timeDeltas[i] ?? 0));
});
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`total sampled ${(total / 1e6).toFixed(2)} s`);
console.log('\nby module (self):');
for (const [k, us] of [...mod].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${pct(us)}  ${k}`);
console.log('\nby function (self):');
for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
console.log('\nby function (inclusive, src/ only):');
for (const [k, us] of [...incl].filter(([k]) => k.includes(' src/') || k.includes('undici/') || k.includes('fastify/')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
