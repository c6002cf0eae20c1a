// Creating and editing a monitor: the config file's fields for its kind, checked by the server with
// the config's own schema (its messages appear beside the field they name), and "Test now" before
// saving.
import { useEffect, useState } from 'preact/hooks';
import { get, patch, post, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { useAction, useLoad } from '../lib/hooks.js';
import { navigate } from '../lib/router.js';
import type { MonitorDetail, Service, TestAnswer } from '../lib/types.js';
import { Area, ErrorBox, Field, Link, Loading, Page, Select } from '../lib/ui.js';
import { TestResult } from './test-result.js';

const KINDS = ['http', 'tcp', 'tls', 'dns', 'icmp', 'websocket', 'heartbeat'] as const;
type Kind = (typeof KINDS)[number];

interface Form {
  service: string;
  component: string;
  name: string;
  type: Kind;
  url: string;
  host: string;
  port: string;
  query_name: string;
  token: string;
  method: string;
  expected_status: string;
  interval: string;
  timeout: string;
  regions: string;
  extra: string;
}

const EMPTY: Form = { service: '', component: '', name: '', type: 'http', url: 'https://', host: '', port: '', query_name: '', token: '', method: 'GET', expected_status: '200', interval: '60s', timeout: '10s', regions: '', extra: '' };

/** The fields each kind shows (beyond name, interval, timeout, regions). */
const FIELDS: Record<Kind, (keyof Form)[]> = {
  http: ['url', 'method', 'expected_status'],
  tcp: ['host', 'port'],
  tls: ['host', 'port'],
  dns: ['query_name'],
  icmp: ['host'],
  websocket: ['url'],
  heartbeat: ['token'],
};

const FORM_FIELDS = ['service', 'component', 'monitor', 'monitor.name', 'monitor.type', 'monitor.url', 'monitor.host', 'monitor.port', 'monitor.query_name', 'monitor.token', 'monitor.method', 'monitor.expected_status', 'monitor.interval', 'monitor.timeout', 'monitor.regions', 'extra'];

/** The config entry the form describes (what vigie.yaml would hold). */
function entry(f: Form): Record<string, unknown> {
  const e: Record<string, unknown> = { name: f.name.trim(), type: f.type };
  for (const k of FIELDS[f.type]) {
    const v = f[k].trim();
    if (!v) continue;
    if (k === 'port') e.port = Number(v);
    else if (k === 'expected_status') e.expected_status = v.split(/[\s,]+/).filter(Boolean).map(Number);
    else e[k] = v;
  }
  if (f.interval.trim()) e.interval = f.interval.trim();
  if (f.timeout.trim()) e.timeout = f.timeout.trim();
  const regions = f.regions.split(/[\s,]+/).filter(Boolean);
  if (regions.length) e.regions = regions;
  if (f.extra.trim()) Object.assign(e, JSON.parse(f.extra) as Record<string, unknown>);
  return e;
}

function fromDetail(d: MonitorDetail): Form {
  const c = d.config;
  const s = (k: string) => (c[k] === undefined || c[k] === null ? '' : Array.isArray(c[k]) ? (c[k] as unknown[]).join(', ') : String(c[k]));
  const type = (KINDS as readonly string[]).includes(d.kind) ? (d.kind as Kind) : 'http';
  const known = new Set(['name', 'type', 'url', 'host', 'port', 'query_name', 'token', 'method', 'expected_status', 'interval', 'timeout', 'regions', 'region']);
  const extra = Object.fromEntries(Object.entries(c).filter(([k]) => !known.has(k)));
  return {
    ...EMPTY,
    service: d.service,
    component: d.component,
    name: s('name') || d.monitor_id.split('/').pop()!,
    type,
    url: s('url') || (type === 'http' || type === 'websocket' ? d.target : ''),
    host: s('host'),
    port: s('port'),
    query_name: s('query_name'),
    token: s('token'),
    method: s('method') || 'GET',
    expected_status: s('expected_status') || '200',
    interval: s('interval') || `${d.interval_s}s`,
    timeout: s('timeout'),
    regions: s('regions') || s('region'),
    extra: Object.keys(extra).length ? JSON.stringify(extra, null, 2) : '',
  };
}

export function MonitorForm(props: { params: Record<string, string> }) {
  const id = props.params.id;
  const { t, say } = useApp();
  const services = useLoad(() => get<{ services: Service[] }>('/services'), []);
  const existing = useLoad(() => (id ? get<MonitorDetail>(`/monitors/${seg(id)}`) : Promise.resolve(undefined)), [id]);
  const [f, setF] = useState<Form>(EMPTY);
  const [extraError, setExtraError] = useState<string | undefined>(undefined);
  const [tested, setTested] = useState<TestAnswer | undefined>(undefined);
  const set = (k: keyof Form) => (v: string) => setF((x) => ({ ...x, [k]: v }));

  useEffect(() => {
    if (existing.data) setF(fromDetail(existing.data));
  }, [existing.data]);
  useEffect(() => {
    const list = services.data?.services;
    if (!id && list && list.length && !f.service) setF((x) => ({ ...x, service: list[0]!.id, component: list[0]!.components[0]?.id ?? '' }));
  }, [services.data]);

  const build = () => {
    try {
      const e = entry(f);
      setExtraError(undefined);
      return e;
    } catch (err) {
      setExtraError(t('monitorForm.extraInvalid', { message: (err as Error).message }));
      return undefined;
    }
  };

  const save = useAction(async () => {
    const monitor = build();
    if (!monitor) return;
    if (id) {
      // The name is the monitor's id and cannot change: the patch leaves it out.
      const { name: _name, ...rest } = monitor;
      await patch(`/monitors/${seg(id)}`, { monitor: rest });
      say(t('common.saved'));
      navigate(`/monitors/${seg(id)}`);
    } else {
      const made = await post<{ id: string; units: string[] }>('/monitors', { service: f.service, component: f.component, monitor });
      say(t('common.saved'));
      navigate(`/monitors/${seg(made.units[0] ?? made.id)}`);
    }
  });
  const test = useAction(async () => {
    const monitor = build();
    if (!monitor) return;
    setTested(undefined);
    setTested(await post<TestAnswer>('/monitors/test', { service: f.service, component: f.component, monitor }));
  });

  const title = id ? t('monitorForm.editTitle') : t('monitorForm.newTitle');
  if (existing.error) return <Page title={title}><ErrorBox error={existing.error} /></Page>;
  if (id && !existing.data) return <Page title={title}><Loading /></Page>;
  if (existing.data?.source === 'config')
    return (
      <Page title={title}>
        <p class="notice">{t('monitor.readOnly')}</p>
      </Page>
    );

  const err = save.error ?? test.error;
  const fe = (k: string) => err?.forField(k);
  const list = services.data?.services ?? [];
  const comps = list.find((s) => s.id === f.service)?.components ?? [];

  return (
    <Page title={title}>
      <p>
        <Link to={id ? `/monitors/${seg(id)}` : '/'}>{t('common.back')}</Link>
      </p>
      <form
        class="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <ErrorBox error={err} fields={FORM_FIELDS} />
        {services.error ? <ErrorBox error={services.error} /> : null}
        <fieldset disabled={!!id}>
          <legend>{t('monitorForm.where')}</legend>
          <Select label={t('monitorForm.service')} value={f.service} onChange={(v) => setF((x) => ({ ...x, service: v, component: list.find((s) => s.id === v)?.components[0]?.id ?? '' }))} options={list.map((s) => [s.id, s.name])} error={fe('service')} />
          <Select label={t('monitorForm.component')} value={f.component} onChange={set('component')} options={comps.map((c) => [c.id, c.name])} error={fe('component')} />
        </fieldset>
        <Field label={t('monitorForm.name')} value={f.name} onInput={set('name')} error={fe('monitor.name')} hint={id ? t('monitorForm.nameFixed') : t('monitorForm.nameHint')} required readOnly={!!id} />
        <Select label={t('monitorForm.type')} value={f.type} onChange={(v) => setF((x) => ({ ...x, type: v as Kind }))} options={KINDS.map((k) => [k, t(`kind.${k}`)])} error={fe('monitor.type')} />
        {FIELDS[f.type].includes('url') ? <Field label={t('monitorForm.url')} type="url" value={f.url} onInput={set('url')} error={fe('monitor.url')} /> : null}
        {FIELDS[f.type].includes('method') ? <Select label={t('monitorForm.method')} value={f.method} onChange={set('method')} options={['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => [m, m])} error={fe('monitor.method')} /> : null}
        {FIELDS[f.type].includes('expected_status') ? <Field label={t('monitorForm.expected')} value={f.expected_status} onInput={set('expected_status')} error={fe('monitor.expected_status')} hint={t('monitorForm.expectedHint')} /> : null}
        {FIELDS[f.type].includes('host') ? <Field label={t('monitorForm.host')} value={f.host} onInput={set('host')} error={fe('monitor.host')} /> : null}
        {FIELDS[f.type].includes('port') ? <Field label={t('monitorForm.port')} type="number" value={f.port} onInput={set('port')} error={fe('monitor.port')} /> : null}
        {FIELDS[f.type].includes('query_name') ? <Field label={t('monitorForm.queryName')} value={f.query_name} onInput={set('query_name')} error={fe('monitor.query_name')} /> : null}
        {FIELDS[f.type].includes('token') ? <Field label={t('monitorForm.token')} value={f.token} onInput={set('token')} error={fe('monitor.token')} /> : null}
        <div class="row2">
          <Field label={t('monitorForm.interval')} value={f.interval} onInput={set('interval')} error={fe('monitor.interval')} hint={t('monitorForm.durationHint')} />
          <Field label={t('monitorForm.timeout')} value={f.timeout} onInput={set('timeout')} error={fe('monitor.timeout')} hint={t('monitorForm.durationHint')} />
        </div>
        <Field label={t('monitorForm.regions')} value={f.regions} onInput={set('regions')} error={fe('monitor.regions')} hint={t('monitorForm.regionsHint')} />
        <Area label={t('monitorForm.extra')} value={f.extra} onInput={set('extra')} error={extraError ?? fe('extra')} hint={t('monitorForm.extraHint')} rows={3} />
        {tested ? <TestResult result={tested} /> : null}
        <div class="buttons">
          <button type="submit" class="primary" disabled={save.busy}>
            {t('common.save')}
          </button>
          <button type="button" onClick={() => void test.run()} disabled={test.busy}>
            {test.busy ? t('monitorForm.testing') : t('monitor.testNow')}
          </button>
        </div>
      </form>
    </Page>
  );
}
