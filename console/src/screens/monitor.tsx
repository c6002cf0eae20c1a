// One monitor: response time over 1 h / 1 d / 30 d / 90 d with its phases, uptime per day, the last
// failures with their classified error and region, the certificate's expiry; test, pause, edit,
// delete (not for monitors from the config file, which are read-only here).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { LatencyChart as Chart } from '../lib/chart.js';
import { del, get, post, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime, day, ms, pct } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import { navigate } from '../lib/router.js';
import type { Day, Failure, MonitorDetail, Series, TestAnswer } from '../lib/types.js';
import { ListTable } from '../lib/list.js';
import { ErrorBox, Link, Loading, Page, StatusBadge } from '../lib/ui.js';
import { TestResult } from './test-result.js';

const RANGES = ['1h', '1d', '30d', '90d'] as const;

export function MonitorPage(props: { params: Record<string, string> }) {
  const id = props.params.id!;
  const { t, may, lang, say } = useApp();
  const [range, setRange] = useState<(typeof RANGES)[number]>('1d');
  const m = useLoad(() => get<MonitorDetail>(`/monitors/${seg(id)}`), [id]);
  const series = useLoad(() => get<Series>(`/monitors/${seg(id)}/series?range=${range}`), [id, range]);
  const days = useLoad(() => get<{ days: Day[] }>(`/monitors/${seg(id)}/days?days=90`), [id]);
  const failures = useLoad(() => get<{ failures: Failure[] }>(`/monitors/${seg(id)}/failures`), [id]);
  const [tested, setTested] = useState<TestAnswer | undefined>(undefined);
  const act = useAction(async (what: 'test' | 'pause' | 'resume' | 'delete') => {
    if (what === 'test') {
      setTested(await post<TestAnswer>(`/monitors/${seg(id)}/test`));
      say(t('monitor.tested'));
      return;
    }
    if (what === 'delete') {
      if (!confirm(t('monitor.confirmDelete', { name: m.data?.name ?? id }))) return;
      await del(`/monitors/${seg(m.data?.monitor_id ?? id)}`);
      say(t('common.deleted'));
      navigate('/');
      return;
    }
    // Pausing acts on the monitor (all its regions), not on one unit.
    await post(`/monitors/${seg(m.data?.monitor_id ?? id)}/${what}`);
    say(what === 'pause' ? t('monitor.paused') : t('monitor.resumed'));
    m.reload();
  });
  // The status and last check follow the probe without a reload.
  useEffect(() => {
    const every = setInterval(() => m.reload(), 5000);
    return () => clearInterval(every);
  }, [id]);
  // uPlot is loaded with the first monitor page, not with the dashboard.
  const [LatencyChart, setChart] = useState<typeof Chart | undefined>(undefined);
  useEffect(() => {
    void import('../lib/chart.js').then((m) => setChart(() => m.LatencyChart));
  }, []);
  const words = useMemo(
    () => ({ time: t('chart.time'), total: t('chart.total'), dns: t('chart.dns'), connect: t('chart.connect'), tls: t('chart.tls'), firstByte: t('chart.firstByte'), label: t('chart.label') }),
    [lang],
  );

  if (m.error) return <Page title={t('monitor.title')}><ErrorBox error={m.error} /></Page>;
  if (!m.data) return <Page title={t('monitor.title')}><Loading /></Page>;
  const d = m.data;
  const fromConfig = d.source === 'config';
  const app = !fromConfig;

  return (
    <Page
      title={d.name}
      actions={
        <>
          {may('testMonitor') ? (
            <button type="button" onClick={() => act.run('test')} disabled={act.busy}>
              {t('monitor.testNow')}
            </button>
          ) : null}
          {app && may(d.paused ? 'resumeMonitor' : 'pauseMonitor') ? (
            <button type="button" onClick={() => act.run(d.paused ? 'resume' : 'pause')} disabled={act.busy}>
              {d.paused ? t('monitor.resume') : t('monitor.pause')}
            </button>
          ) : null}
          {app && may('updateMonitor') ? (
            <Link to={`/monitors/${seg(d.monitor_id)}/edit`} class="button">
              {t('common.edit')}
            </Link>
          ) : null}
          {app && may('deleteMonitor') ? (
            <button type="button" class="danger" onClick={() => act.run('delete')} disabled={act.busy}>
              {t('common.delete')}
            </button>
          ) : null}
        </>
      }
    >
      <p>
        <Link to="/">{t('common.backToDashboard')}</Link>
      </p>
      {fromConfig ? (
        <p class="notice">
          <span class="tag">{t('common.fromConfig')}</span> {t('monitor.readOnly')}
        </p>
      ) : null}
      <ErrorBox error={act.error} />
      {tested ? <TestResult result={tested} /> : null}
      <dl class="facts">
        <dt>{t('monitor.status')}</dt>
        <dd>
          <StatusBadge status={d.status} paused={d.paused} /> {d.since ? t('monitor.since', { at: dateTime(d.since, lang) }) : null}
        </dd>
        <dt>{t('monitor.id')}</dt>
        <dd>
          <code>{d.id}</code>
        </dd>
        <dt>{t('monitor.where')}</dt>
        <dd>
          {d.service_name} · {d.component_name}
        </dd>
        <dt>{t('monitor.region')}</dt>
        <dd>{d.region}</dd>
        <dt>{t('monitor.kind')}</dt>
        <dd>
          {d.kind} · <code>{d.target}</code>
        </dd>
        <dt>{t('monitor.interval')}</dt>
        <dd>{t('monitor.seconds', { n: d.interval_s })}</dd>
        <dt>{t('monitor.lastCheck')}</dt>
        <dd>
          {dateTime(d.last_check_at, lang)} · {ms(d.last_latency_ms)}
        </dd>
        {d.last_error ? (
          <>
            <dt>{t('monitor.lastError')}</dt>
            <dd>
              <code>{d.last_error.kind}</code> {d.last_error.message}
            </dd>
          </>
        ) : null}
        {d.certificate ? (
          <>
            <dt>{t('monitor.cert')}</dt>
            <dd class={d.certificate.days_left < 14 ? 'error-text' : undefined}>
              {t('monitor.certLeft', { at: dateTime(d.certificate.expires_at, lang), n: Math.floor(d.certificate.days_left) })}
              {d.certificate.issuer ? <span class="muted"> · {d.certificate.issuer}</span> : null}
            </dd>
          </>
        ) : null}
      </dl>

      {d.regions.length > 1 ? (
        <>
          <h2>{t('monitor.regions')}</h2>
          <ul class="plain region-list">
            {d.regions.map((r) => (
              <li key={r.id}>
                {r.id === d.id ? <strong>{r.region}</strong> : <Link to={`/monitors/${seg(r.id)}`}>{r.region}</Link>} <StatusBadge status={r.status} /> <span class="lat">{ms(r.last_latency_ms)}</span>
                {r.last_error ? <span class="muted"> · {r.last_error.kind}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <h2>{t('monitor.responseTime')}</h2>
      <div class="tabs" role="group" aria-label={t('monitor.range')}>
        {RANGES.map((r) => (
          <button type="button" key={r} aria-pressed={range === r ? 'true' : 'false'} onClick={() => setRange(r)}>
            {t(`range.${r}`)}
          </button>
        ))}
      </div>
      {series.error ? <ErrorBox error={series.error} /> : !series.data ? <Loading /> : series.data.t.length === 0 ? <p class="empty">{t('monitor.noData')}</p> : LatencyChart ? <LatencyChart series={series.data} words={words} lang={lang} /> : <Loading />}
      {series.data && series.data.resolution && series.data.resolution !== 'raw' ? <p class="hint">{t('monitor.rollupNote')}</p> : null}

      <h2>{t('monitor.uptime')}</h2>
      {days.error ? (
        <ErrorBox error={days.error} />
      ) : !days.data ? (
        <Loading />
      ) : (
        <ol class="days" aria-label={t('monitor.uptimeLabel')}>
          {days.data.days.map((x) => (
            <li key={x.day} class={x.uptime === null ? 'nodata' : x.uptime >= 0.999 ? 'good' : x.uptime >= 0.99 ? 'fair' : 'bad'} title={`${day(x.day, lang)}: ${x.uptime === null ? t('monitor.noData') : pct(x.uptime, lang)}`}>
              <span class="sr-only">
                {day(x.day, lang)}: {x.uptime === null ? t('monitor.noData') : pct(x.uptime, lang)}
              </span>
            </li>
          ))}
        </ol>
      )}

      <h2>{t('monitor.failures')}</h2>
      <ListTable
        rows={failures.data?.failures}
        error={failures.error}
        empty={t('monitor.noFailures')}
        rowKey={(_f, i) => i}
        columns={[
          { head: t('common.when'), cell: (f) => dateTime(f.at, lang) },
          { head: t('monitor.region'), cell: (f) => f.region },
          { head: t('monitor.error'), cell: (f) => <code>{f.error_kind ?? '—'}</code> },
          {
            head: t('monitor.detail'),
            class: 'wrap',
            cell: (f) => (
              <>
                {f.status_code ? `HTTP ${f.status_code} · ` : ''}
                {f.error_message ?? ''}
              </>
            ),
          },
        ]}
      />
    </Page>
  );
}
