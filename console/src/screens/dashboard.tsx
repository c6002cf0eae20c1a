// Every monitor with its live status region by region, grouped by service, filtered by status and
// search. The list is windowed (lib/virtual.tsx) and fed by the monitors' live events (SSE).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { API, get, qs } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { type Item, counts, filterRows, fold, grouped } from '../lib/monitors.js';
import { navigate, query } from '../lib/router.js';
import type { MonitorList, MonitorRow } from '../lib/types.js';
import { ErrorBox, Link, Page, StatusBadge } from '../lib/ui.js';
import { VirtualList } from '../lib/virtual.js';
import { ApiError } from '../lib/api.js';
import { ms } from '../lib/format.js';
import type { Key } from '../i18n/index.js';

const ROW_H = 60;
// A small first page paints at once; the rest comes in big pages (fewer round trips).
const FIRST_PAGE = 300;
const PAGE = 5000;
const STATUSES = ['down', 'degraded', 'unknown', 'paused', 'up'] as const;

export function Dashboard() {
  const { t, may } = useApp();
  const units = useRef(new Map<string, MonitorRow>());
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [live, setLive] = useState(false);
  const q0 = query(location.search);
  const [q, setQ] = useState(q0.get('q') ?? '');
  const [status, setStatus] = useState(q0.get('status') ?? '');

  useEffect(() => {
    let stop = false;
    (async () => {
      let cursor: string | null = null;
      do {
        const page: MonitorList = await get<MonitorList>(`/monitors${qs({ limit: cursor ? PAGE : FIRST_PAGE, cursor })}`);
        if (stop) return;
        for (const m of page.monitors) units.current.set(m.id, m);
        setVersion((v) => v + 1);
        cursor = page.next_cursor;
      } while (cursor);
      setDone(true);
    })().catch((e: unknown) => !stop && setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e))));
    return () => {
      stop = true;
    };
  }, []);

  // Live events: "status" at each change, "latency" batches of [id, ms, ok, epoch s]; a burst is one render.
  useEffect(() => {
    const es = new EventSource(`${API}/monitors/events`);
    let frame = 0;
    const changed = () => {
      if (!frame)
        frame = requestAnimationFrame(() => {
          frame = 0;
          setVersion((v) => v + 1);
        });
    };
    const parse = (ev: Event): unknown => {
      try {
        return JSON.parse((ev as MessageEvent).data as string);
      } catch {
        return undefined;
      }
    };
    es.addEventListener('status', (ev) => {
      const d = parse(ev) as (Partial<MonitorRow> & { id?: string }) | undefined;
      const had = d?.id ? units.current.get(d.id) : undefined;
      if (!d || !had) return;
      units.current.set(had.id, { ...had, status: d.status ?? had.status, since: d.since ?? had.since, last_check_at: d.last_check_at ?? had.last_check_at, last_latency_ms: d.last_latency_ms ?? had.last_latency_ms, last_error: d.last_error === undefined ? had.last_error : d.last_error });
      changed();
    });
    es.addEventListener('latency', (ev) => {
      const d = parse(ev) as { monitors?: [string, number, number, number][] } | undefined;
      for (const [id, latency, , at] of d?.monitors ?? []) {
        const had = units.current.get(id);
        if (had) units.current.set(id, { ...had, last_latency_ms: latency, last_check_at: new Date(at * 1000).toISOString() });
      }
      changed();
    });
    es.addEventListener('open', () => setLive(true));
    es.addEventListener('error', () => setLive(false));
    return () => {
      es.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);

  // The filter lives in the URL, so a reload or a shared link keeps it.
  useEffect(() => {
    const s = qs({ q: q.trim() || undefined, status: status || undefined });
    if (s !== location.search && (s || location.search)) history.replaceState(null, '', `/admin/${s}`);
  }, [q, status]);

  const all = useMemo(() => fold(units.current.values()), [version]);
  const tally = useMemo(() => counts(units.current.values()), [version]);
  const items = useMemo(() => grouped(filterRows(all, q, status)), [all, q, status]);
  const total = units.current.size;

  return (
    <Page
      title={t('dash.title')}
      actions={
        may('createMonitor') ? (
          <Link to="/monitors/new" class="button primary">
            {t('dash.new')}
          </Link>
        ) : null
      }
    >
      <div class="filters" role="search">
        <div class="field">
          <label for="dash-q">{t('dash.search')}</label>
          <input id="dash-q" type="search" value={q} placeholder={t('dash.searchHint')} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="dash-status">{t('dash.status')}</label>
          <select id="dash-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">{t('dash.allStatuses', { n: total })}</option>
            {STATUSES.map((s) => (
              <option value={s} key={s}>
                {t(`status.${s}` as Key)} ({tally[s] ?? 0})
              </option>
            ))}
          </select>
        </div>
      </div>
      <p class="hint">{t('dash.keys')}</p>
      <p class="summary" aria-live="polite">
        {done ? t('dash.count', { shown: items.filter((i) => 'row' in i).length, total: all.length }) : t('dash.loadingCount', { n: total })}{' '}
        <span class={`live ${live ? 'on' : 'off'}`}>{live ? t('dash.live') : t('dash.notLive')}</span>
      </p>
      <ErrorBox error={error} />
      {done && all.length === 0 && !error ? <p class="empty">{t('dash.none')}</p> : null}
      <VirtualList<Item>
        items={items}
        rowHeight={ROW_H}
        label={t('dash.listLabel')}
        itemKey={(i) => ('group' in i ? `g:${i.group}` : i.row.key)}
        focusable={(i) => 'row' in i}
        render={(i) =>
          'group' in i ? (
            <h2 class="group">
              {i.name} <span class="muted">({i.count})</span>
            </h2>
          ) : (
            <div class={`mrow w-${i.row.worst}`}>
              <div class="mname">
                <a
                  href={`/admin/monitors/${encodeURIComponent(i.row.units[0]!.id)}`}
                  onClick={(e) => {
                    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
                    e.preventDefault();
                    navigate(`/monitors/${encodeURIComponent(i.row.units[0]!.id)}`);
                  }}
                >
                  {i.row.name}
                </a>
                {i.row.source === 'config' ? <span class="tag">{t('common.fromConfig')}</span> : null}
                <span class="mtarget">
                  {i.row.component} · {i.row.kind} · {i.row.target}
                </span>
              </div>
              <ul class="regions" aria-label={t('dash.regions')}>
                {i.row.units.map((u) => (
                  <li key={u.id} title={u.last_error ? `${u.last_error.kind}: ${u.last_error.message}` : undefined}>
                    {i.row.units.length > 1 ? (
                      <Link to={`/monitors/${encodeURIComponent(u.id)}`} class="region">
                        {u.region}
                      </Link>
                    ) : (
                      <span class="region">{u.region}</span>
                    )} <StatusBadge status={u.status} paused={u.paused} /> <span class="lat">{ms(u.last_latency_ms)}</span>
                  </li>
                ))}
              </ul>
            </div>
          )
        }
      />
    </Page>
  );
}
