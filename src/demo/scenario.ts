// Scenario files: the replays in scenarios/*.yaml, taken from the seed articles.
// A scenario says which simulated services exist, what goes wrong with them and when (faults),
// what the vendor said (vendor), how many crowd reports came in (reports), and what the replay
// must show (expect). Times are ISO 8601 UTC in the file and epoch milliseconds once parsed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { COMPONENT_STATUSES, type ComponentStatus } from '../core/status.js';
import { parseDuration } from '../core/duration.js';
import { findCycle } from '../core/graph.js';

export const FAULT_MODES = ['ok', 'error_500', 'unavailable_503', 'timeout', 'slow', 'reset', 'wrong_content'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
/** What a vendor statement says: an incident stage, or a component status as its status page shows it. */
export const VENDOR_STATUSES = [...INCIDENT_STATUSES, ...COMPONENT_STATUSES] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

export const FLAGS = ['vendor_silent'] as const;
export type Flag = (typeof FLAGS)[number];

// ---------------------------------------------------------------------------------------------
// Parsed shape (what the rest of Vigie reads). Keys stay snake_case, as in vigie.yaml's schema.

export interface ScenarioComponent {
  id: string;
  name: string;
  description?: string;
  group?: string;
  /** Full ids ("service/component") of what this component needs. */
  depends_on: string[];
}

export interface ScenarioService {
  id: string;
  name: string;
  description?: string;
  components: ScenarioComponent[];
}

/** A whole service (component null) or one of its components. */
export interface FaultTarget {
  service: string;
  component: string | null;
}

export interface Fault {
  /** Position in the file's faults list. */
  index: number;
  targets: FaultTarget[];
  from: number;
  until: number;
  /** The regions affected; every scenario region when the file leaves it out. */
  regions: string[];
  mode: FaultMode;
  /** Real milliseconds before a `slow` answer; 0 for the other modes. */
  delay_ms: number;
  /** Fraction (0..1] of requests affected. */
  share: number;
  note: string;
}

export interface VendorStatement {
  at: number;
  service: string;
  /** A component's status on the vendor's page; null for the service as a whole. */
  component: string | null;
  status: VendorStatus;
  body: string | null;
  note: string | null;
}

/** Crowd report volume: a level in reports per minute over [from, until), spread evenly over `regions`. */
export interface ReportLevel {
  service: string;
  from: number;
  until: number;
  per_minute: number;
  regions: string[];
  category: string | null;
  note: string | null;
}

interface ExpectationBase {
  note: string | null;
}
/** The component (or, with region, the component in that region) shows `status` at `by`, reached at or before it. */
export interface StatusExpectation extends ExpectationBase {
  kind: 'status';
  component: string;
  region: string | null;
  status: ComponentStatus;
  by: number;
}
/** The component never shows anything worse than `at_worst` during [from, until]. */
export interface CeilingExpectation extends ExpectationBase {
  kind: 'at_worst';
  component: string;
  region: string | null;
  at_worst: ComponentStatus;
  from: number;
  until: number;
}
/** An incident on the target is open by `by` (opened), or none is opened during [from, until] (none). */
export interface IncidentExpectation extends ExpectationBase {
  kind: 'incident';
  target: FaultTarget;
  incident: 'opened' | 'none';
  by: number | null;
  from: number | null;
  until: number | null;
}
/** The acknowledgement lag shown for the service: observed start to the vendor's first word. */
export interface AckLagExpectation extends ExpectationBase {
  kind: 'ack_lag';
  service: string;
  ack_lag: number;
  tolerance: number;
}
/** The service carries the flag (e.g. vendor_silent: observed down, official status green) by `by`. */
export interface FlagExpectation extends ExpectationBase {
  kind: 'flag';
  service: string;
  flag: Flag;
  by: number;
}
export type Expectation = StatusExpectation | CeilingExpectation | IncidentExpectation | AckLagExpectation | FlagExpectation;

export interface Scenario {
  name: string;
  title: string;
  description?: string;
  /** Seed file prefixes ("003") the facts come from. */
  sources: string[];
  start: number;
  end: number;
  regions: string[];
  services: ScenarioService[];
  faults: Fault[];
  vendor: VendorStatement[];
  reports: ReportLevel[];
  expect: Expectation[];
}

// ---------------------------------------------------------------------------------------------
// File shape.

const SLUG = /^[a-z0-9][a-z0-9_-]*$/;
const slug = z.string().regex(SLUG, 'must be lowercase letters, digits, "-" or "_", starting with a letter or digit');
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?Z$/;

const utcTime = z.string({ error: (iss) => (iss.input === undefined ? 'required' : 'must be an ISO 8601 UTC time such as 2024-12-11T23:07:00Z') }).transform((v, ctx) => {
  const m = ISO_UTC.exec(v);
  const ms = m ? Date.parse(v) : NaN;
  // Date.parse rolls 2024-02-30 over to March; reject anything that does not read back the same.
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 16) !== v.slice(0, 16)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not an ISO 8601 UTC time such as 2024-12-11T23:07:00Z` });
    return z.NEVER;
  }
  return ms;
});

const durationText = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (examples: 90s, 5m, 2h35m)` });
    return z.NEVER;
  }
  return ms;
});

// YAML 1.2 reads `003` as the number 3; take numbers and strings and give three digits back.
const source = z.union([z.number().int().min(0).max(999), z.string().regex(/^\d{3}$/, 'must be a seed file prefix such as "003"')]).transform((v) =>
  typeof v === 'number' ? String(v).padStart(3, '0') : v,
);

const TARGET = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)?$/;
const targetText = z.string().regex(TARGET, 'must be "service" or "service/component"');
const componentRef = z.string().regex(/^[a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*$/, 'must be "service/component"');
const note = z.string().min(1);
const componentStatus = z.enum(COMPONENT_STATUSES);

const componentFile = z.strictObject({
  id: slug,
  name: z.string().min(1),
  description: z.string().optional(),
  group: z.string().min(1).optional(),
  depends_on: z.array(z.string().regex(TARGET, 'must be "component" or "service/component"')).default([]),
});

const serviceFile = z.strictObject({
  id: slug,
  name: z.string().min(1),
  description: z.string().optional(),
  components: z.array(componentFile).min(1),
});

const faultFile = z.strictObject({
  target: z.union([targetText, z.array(targetText).min(1)]),
  from: utcTime,
  until: utcTime,
  regions: z.array(slug).min(1).optional(),
  mode: z.enum(FAULT_MODES),
  delay_ms: z.number().int().positive().optional(),
  share: z.number().gt(0, 'must be more than 0').max(1).default(1),
  note,
});

const vendorFile = z.strictObject({
  at: utcTime,
  service: slug,
  component: slug.optional(),
  status: z.enum(VENDOR_STATUSES),
  body: z.string().optional(),
  note: note.optional(),
});

const reportFile = z.strictObject({
  service: slug,
  from: utcTime,
  until: utcTime,
  per_minute: z.number().min(0),
  regions: z.array(slug).min(1).optional(),
  category: slug.optional(),
  note: note.optional(),
});

const common = { note: note.optional() };
const statusExpect = z.strictObject({ component: componentRef, region: slug.optional(), status: componentStatus, by: utcTime, ...common });
const ceilingExpect = z.strictObject({ component: componentRef, region: slug.optional(), at_worst: componentStatus, from: utcTime, until: utcTime, ...common });
const incidentExpect = z
  .strictObject({ target: targetText, incident: z.enum(['opened', 'none']), by: utcTime.optional(), from: utcTime.optional(), until: utcTime.optional(), ...common })
  .superRefine((e, ctx) => {
    if (e.incident === 'opened' && e.by === undefined) ctx.addIssue({ code: 'custom', path: ['by'], message: '"incident: opened" needs "by"' });
    if (e.incident === 'none' && (e.from === undefined || e.until === undefined))
      ctx.addIssue({ code: 'custom', path: [e.from === undefined ? 'from' : 'until'], message: '"incident: none" needs "from" and "until"' });
  });
const lagExpect = z.strictObject({ service: slug, ack_lag: durationText, tolerance: durationText.default(5 * 60_000), ...common });
const flagExpect = z.strictObject({ service: slug, flag: z.enum(FLAGS), by: utcTime, ...common });

// Each expectation is told apart by its one distinguishing key; parse it against that variant only,
// so a mistake reads "by: required", not a union's "invalid input".
const EXPECT_KINDS = { status: statusExpect, at_worst: ceilingExpect, incident: incidentExpect, ack_lag: lagExpect, flag: flagExpect } as const;
type ExpectKind = keyof typeof EXPECT_KINDS;
type ExpectFile = { [K in ExpectKind]: { kind: K } & z.output<(typeof EXPECT_KINDS)[K]> }[ExpectKind];

const expectFile = z.unknown().transform((v, ctx): ExpectFile => {
  const kinds = v !== null && typeof v === 'object' ? (Object.keys(EXPECT_KINDS) as ExpectKind[]).filter((k) => k in v) : [];
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: `an expectation needs exactly one of ${Object.keys(EXPECT_KINDS).join(', ')}${kinds.length > 1 ? ` (found ${kinds.join(', ')})` : ''}`,
    });
    return z.NEVER;
  }
  const kind = kinds[0]!;
  const r = EXPECT_KINDS[kind].safeParse(v);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  return { kind, ...r.data } as ExpectFile;
});

const scenarioFile = z.strictObject({
  name: slug,
  title: z.string().min(1),
  description: z.string().optional(),
  sources: z.array(source).default([]),
  start: utcTime,
  end: utcTime,
  regions: z.array(slug).min(1),
  services: z.array(serviceFile).min(1),
  faults: z.array(faultFile).default([]),
  vendor: z.array(vendorFile).default([]),
  reports: z.array(reportFile).default([]),
  expect: z.array(expectFile).default([]),
});
type ScenarioFile = z.output<typeof scenarioFile>;

function splitTarget(t: string): FaultTarget {
  const i = t.indexOf('/');
  return i < 0 ? { service: t, component: null } : { service: t.slice(0, i), component: t.slice(i + 1) };
}

/** The schema: validates a parsed YAML value, checks every cross-reference and returns a Scenario. */
export const scenarioSchema = scenarioFile.transform((f: ScenarioFile, ctx): Scenario => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

  if (f.start >= f.end) issue(['end'], `end (${iso(f.end)}) must come after start (${iso(f.start)})`);
  const regions = new Set<string>();
  f.regions.forEach((r, i) => (regions.has(r) ? issue(['regions', i], `duplicate region "${r}"`) : regions.add(r)));

  const services = new Map<string, Set<string>>();
  f.services.forEach((s, si) => {
    if (services.has(s.id)) issue(['services', si, 'id'], `duplicate service id "${s.id}"`);
    const comps = new Set<string>();
    s.components.forEach((c, ci) => (comps.has(c.id) ? issue(['services', si, 'components', ci, 'id'], `duplicate component id "${c.id}" in service "${s.id}"`) : comps.add(c.id)));
    services.set(s.id, comps);
  });
  const known = (t: FaultTarget) => services.has(t.service) && (t.component === null || services.get(t.service)!.has(t.component));
  const describe = (t: FaultTarget) =>
    !services.has(t.service)
      ? `unknown service "${t.service}" (services: ${[...services.keys()].join(', ')})`
      : `unknown component "${t.service}/${t.component}" (components of ${t.service}: ${[...services.get(t.service)!].join(', ')})`;

  const inWindow = (path: (string | number)[], ms: number) => {
    if (f.start < f.end && (ms < f.start || ms > f.end)) issue(path, `${iso(ms)} is outside the replay window ${iso(f.start)} .. ${iso(f.end)}`);
  };
  const span = (path: (string | number)[], from: number, until: number) => {
    inWindow([...path, 'from'], from);
    inWindow([...path, 'until'], until);
    if (from >= until) issue([...path, 'until'], `until (${iso(until)}) must come after from (${iso(from)})`);
  };
  const regionList = (path: (string | number)[], list: string[] | undefined) =>
    list?.forEach((r, i) => {
      if (!regions.has(r)) issue([...path, i], `unknown region "${r}" (regions: ${[...regions].join(', ')})`);
    });

  const fullDeps = f.services.map((s, si) =>
    s.components.map((c, ci) =>
      c.depends_on.map((d, di) => {
        const full = d.includes('/') ? d : `${s.id}/${d}`;
        const t = splitTarget(full);
        const path = ['services', si, 'components', ci, 'depends_on', di];
        if (t.component === null || !known(t)) issue(path, describe(t));
        else if (full === `${s.id}/${c.id}`) issue(path, 'a component cannot depend on itself');
        return full;
      }),
    ),
  );

  // A dependency loop would make every component in it wait on itself (vigie.yaml refuses it too).
  const deps = new Map<string, string[]>();
  f.services.forEach((s, si) => s.components.forEach((c, ci) => deps.set(`${s.id}/${c.id}`, fullDeps[si]![ci]!)));
  const loop = findCycle(deps);
  if (loop) {
    const [sid, cid] = loop[0]!.split('/');
    const si = f.services.findIndex((s) => s.id === sid);
    issue(['services', si, 'components', f.services[si]!.components.findIndex((c) => c.id === cid), 'depends_on'], `dependency loop: ${loop.join(' -> ')}`);
  }

  const faults: Fault[] = f.faults.map((x, i) => {
    const raw = Array.isArray(x.target) ? x.target : [x.target];
    const targets = raw.map(splitTarget);
    targets.forEach((t, ti) => {
      if (!known(t)) issue(['faults', i, 'target', ...(Array.isArray(x.target) ? [ti] : [])], describe(t));
    });
    span(['faults', i], x.from, x.until);
    regionList(['faults', i, 'regions'], x.regions);
    if (x.mode === 'slow' && x.delay_ms === undefined) issue(['faults', i, 'delay_ms'], 'mode "slow" needs delay_ms (real milliseconds before the answer)');
    if (x.mode !== 'slow' && x.delay_ms !== undefined) issue(['faults', i, 'delay_ms'], `delay_ms only applies to mode "slow", not "${x.mode}"`);
    return {
      index: i,
      targets,
      from: x.from,
      until: x.until,
      regions: x.regions ?? [...f.regions],
      mode: x.mode,
      delay_ms: x.delay_ms ?? 0,
      share: x.share,
      note: x.note,
    };
  });

  const vendor: VendorStatement[] = f.vendor.map((v, i) => {
    const t: FaultTarget = { service: v.service, component: v.component ?? null };
    if (!known(t)) issue(['vendor', i, t.component !== null && services.has(t.service) ? 'component' : 'service'], describe(t));
    inWindow(['vendor', i, 'at'], v.at);
    return { at: v.at, service: v.service, component: t.component, status: v.status, body: v.body ?? null, note: v.note ?? null };
  });

  const reports: ReportLevel[] = f.reports.map((r, i) => {
    if (!services.has(r.service)) issue(['reports', i, 'service'], describe({ service: r.service, component: null }));
    span(['reports', i], r.from, r.until);
    regionList(['reports', i, 'regions'], r.regions);
    return { service: r.service, from: r.from, until: r.until, per_minute: r.per_minute, regions: r.regions ?? [...f.regions], category: r.category ?? null, note: r.note ?? null };
  });

  const expectations: Expectation[] = f.expect.map((e, i) => {
    const path = ['expect', i];
    const noteOf = e.note ?? null;
    switch (e.kind) {
      case 'status':
      case 'at_worst': {
        const t = splitTarget(e.component);
        if (!known(t)) issue([...path, 'component'], describe(t));
        if (e.region !== undefined && !regions.has(e.region)) issue([...path, 'region'], `unknown region "${e.region}" (regions: ${[...regions].join(', ')})`);
        if (e.kind === 'status') {
          inWindow([...path, 'by'], e.by);
          return { kind: 'status', component: e.component, region: e.region ?? null, status: e.status, by: e.by, note: noteOf };
        }
        span(path, e.from, e.until);
        return { kind: 'at_worst', component: e.component, region: e.region ?? null, at_worst: e.at_worst, from: e.from, until: e.until, note: noteOf };
      }
      case 'incident': {
        const t = splitTarget(e.target);
        if (!known(t)) issue([...path, 'target'], describe(t));
        if (e.by !== undefined) inWindow([...path, 'by'], e.by);
        if (e.from !== undefined && e.until !== undefined) span(path, e.from, e.until);
        return { kind: 'incident', target: t, incident: e.incident, by: e.by ?? null, from: e.from ?? null, until: e.until ?? null, note: noteOf };
      }
      case 'ack_lag':
        if (!services.has(e.service)) issue([...path, 'service'], describe({ service: e.service, component: null }));
        return { kind: 'ack_lag', service: e.service, ack_lag: e.ack_lag, tolerance: e.tolerance, note: noteOf };
      case 'flag':
        if (!services.has(e.service)) issue([...path, 'service'], describe({ service: e.service, component: null }));
        inWindow([...path, 'by'], e.by);
        return { kind: 'flag', service: e.service, flag: e.flag, by: e.by, note: noteOf };
    }
  });

  return {
    name: f.name,
    title: f.title,
    ...(f.description !== undefined ? { description: f.description } : {}),
    sources: f.sources,
    start: f.start,
    end: f.end,
    regions: [...f.regions],
    services: f.services.map((s, si) => ({
      id: s.id,
      name: s.name,
      ...(s.description !== undefined ? { description: s.description } : {}),
      components: s.components.map((c, ci) => ({
        id: c.id,
        name: c.name,
        ...(c.description !== undefined ? { description: c.description } : {}),
        ...(c.group !== undefined ? { group: c.group } : {}),
        depends_on: fullDeps[si]![ci]!,
      })),
    })),
    faults,
    vendor,
    reports,
    expect: expectations,
  };
});

// ---------------------------------------------------------------------------------------------
// Loading.

export interface ScenarioIssue {
  /** Dotted path into the file, e.g. faults[2].target. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly issues: ScenarioIssue[],
    headline = `invalid scenario ${file}`,
  ) {
    super(
      issues.length === 0
        ? headline
        : `${headline}:\n${issues.map((i) => `  ${file}${i.line !== undefined ? `:${i.line}:${i.column}` : ''}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`,
    );
    this.name = 'ScenarioError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
}

/** Parses scenario YAML text; `file` only names it in errors. Throws ScenarioError. */
export function parseScenario(text: string, file = '<scenario>'): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const message = e.message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?$/, '');
        return { path: '', message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
      }),
      `cannot read scenario ${file} (YAML syntax)`,
    );
  }
  const result = scenarioSchema.safeParse(doc.toJS(), {
    error: (issue) => (issue.input === undefined && issue.code === 'invalid_type' ? 'required' : undefined),
  });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue): ScenarioIssue => {
    // Point at the nearest node that exists: a missing key is reported where its parent is.
    const path = [...issue.path] as (string | number)[];
    let node: unknown;
    for (let n = path.length; n >= 0; n--) {
      node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && typeof node === 'object' && 'range' in node) break;
      node = undefined;
    }
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    const pos = range ? lineCounter.linePos(range[0]) : undefined;
    return { path: formatPath(issue.path), message: issue.message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
  });
  throw new ScenarioError(file, issues);
}

/** The folder holding package.json, found by walking up from this module (which runs from dist/src/demo/). */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(from)}`);
    dir = up;
  }
}

export function scenariosDir(): string {
  return join(packageRoot(), 'scenarios');
}

/** The names of the scenarios shipped in scenarios/. */
export function listScenarios(): string[] {
  const dir = scenariosDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Where a scenario name or path points: a bare name is scenarios/<name>.yaml under the package root. */
export function resolveScenario(nameOrPath: string): string {
  const isPath = /[\\/]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);
  return isPath ? resolve(nameOrPath) : join(scenariosDir(), `${nameOrPath}.yaml`);
}

/** Loads a scenario by name ("correlated-evening") or by path ("./my.yaml"). Throws ScenarioError. */
export function loadScenario(nameOrPath: string): Scenario {
  const file = resolveScenario(nameOrPath);
  const isName = file !== resolve(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const headline =
      code === 'ENOENT' && isName
        ? `unknown scenario "${nameOrPath}" (available: ${listScenarios().join(', ') || 'none'})`
        : `cannot read scenario ${file}: ${(err as Error).message}`;
    throw new ScenarioError(file, [], headline);
  }
  return parseScenario(text, file);
}
