// Where a CPU profile's time went, by pipeline stage: each sample is charged to the stage of the
// deepest frame of ours on its stack (src/probes → probe, src/store/rollup* → rollups, …), or, when
// the stack holds only library or runtime frames (a driver's callback, a socket read), to the stage
// that library serves. Self time grouped this way answers "what does a check cost after the probe".
export const STAGES = ['probe', 'schedule', 'store_write', 'rollups', 'detection', 'incidents', 'publishing', 'web', 'metrics', 'agent_upload', 'gc', 'runtime', 'other'] as const;
export type Stage = (typeof STAGES)[number];

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Our source files, by path under src/ (compiled to dist/src/…/*.js); first match wins. */
const SOURCE: [RegExp, Stage | ((fn: string) => Stage)][] = [
  [/\/src\/probes\//, 'probe'],
  [/\/src\/schedule\//, 'schedule'],
  [/\/src\/store\/(rollup|chunks|retention|storage-job)/, 'rollups'],
  [/\/src\/store\//, 'store_write'],
  [/\/src\/(detect|signals)\//, 'detection'],
  [/\/src\/incidents\//, 'incidents'],
  [/\/src\/metrics\//, 'metrics'],
  [/\/src\/agent\/(agent|buffer|client)\./, 'agent_upload'],
  [/\/src\/agent\//, 'detection'],
  [/\/src\/web\/server\./, (fn) => (/publish|entry/i.test(fn) ? 'publishing' : 'web')],
  [/\/src\/web\/(routes\/(sse|metrics|push|reports|subscriptions|admin|agent|history))/, 'web'],
  [/\/src\/(web|analytics|i18n)\//, 'publishing'],
  [/\/src\/app\./, (fn) => (/snapshot|publish|regionViews|vendorStatuses|crowdView|snapshotIncident/.test(fn) ? 'publishing' : /check|prepare/.test(fn) ? 'probe' : /afterObservation|recordChanges|afterChangeWritten/.test(fn) ? 'detection' : 'other')],
];

/** Libraries and Node internals, for stacks with no frame of ours. */
const LIBRARY: [RegExp, Stage][] = [
  [/node_modules\/(kysely|better-sqlite3|pg|pg-protocol|pg-pool)\//, 'store_write'],
  [/node_modules\/undici\/|node:(net|dns|tls|_http_client|_http_common|internal\/dns|internal\/stream_base_commons|internal\/net)/, 'probe'],
  [/node_modules\/(preact|preact-render-to-string)\/|node:zlib|node:internal\/crypto/, 'publishing'],
  [/node_modules\/(fastify|find-my-way|light-my-request|avvio)\/|node:_http_server|node:_http_outgoing/, 'web'],
  [/node_modules\/prom-client\//, 'metrics'],
];

function stageOfFrame(f: CallFrame): Stage | undefined {
  for (const [re, s] of SOURCE) if (re.test(f.url)) return typeof s === 'function' ? s(f.functionName) : s;
  return undefined;
}

/** Milliseconds of CPU by stage (idle excluded). */
export function stagesOf(profile: CpuProfile): Record<Stage, number> {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const memo = new Map<number, Stage | 'idle'>();
  const stageOf = (id: number): Stage | 'idle' => {
    const hit = memo.get(id);
    if (hit) return hit;
    const leaf = byId.get(id)!.callFrame;
    let out: Stage | 'idle' | undefined;
    if (leaf.functionName === '(idle)') out = 'idle';
    else if (leaf.functionName === '(garbage collector)') out = 'gc';
    else if (leaf.functionName === '(program)') out = 'runtime';
    else {
      let lib: Stage | undefined;
      for (let cur: number | undefined = id; cur !== undefined && out === undefined; cur = parent.get(cur)) {
        const f = byId.get(cur)!.callFrame;
        out = stageOfFrame(f);
        if (lib === undefined) for (const [re, s] of LIBRARY) if (re.test(f.url)) { lib = s; break; }
      }
      out ??= lib ?? 'other';
    }
    memo.set(id, out);
    return out;
  };
  const ms = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  for (let i = 0; i < profile.samples.length; i++) {
    const s = stageOf(profile.samples[i]!);
    // timeDeltas[i] is the time before sample i; the sample's own time is the next delta.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (s !== 'idle') ms[s] += dt;
  }
  return ms;
}

/** Self time by file (the top `n`), for a closer look than the stages give. */
export function topFiles(profile: CpuProfile, n = 15): { file: string; ms: number }[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const t = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const f = byId.get(profile.samples[i]!)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const key = f.url ? f.url.replace(/^.*\/(dist|node_modules)\//, '$1/') : f.functionName;
    t.set(key, (t.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return [...t].sort((a, b) => b[1] - a[1]).slice(0, n).map(([file, ms]) => ({ file, ms: Math.round(ms) }));
}
