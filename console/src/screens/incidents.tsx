// Incidents: the list, writing a new one (from a template), and one incident's page where updates
// are posted, it is resolved, and its postmortem published.
import { useState } from 'preact/hooks';
import type { Key } from '../i18n/index.js';
import { get, post, qs, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { CAUSES, IMPACTS, INCIDENT_STATUSES, TEMPLATES } from '../lib/enums.js';
import { dateTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import { navigate } from '../lib/router.js';
import type { Incident } from '../lib/types.js';
import { ListTable } from '../lib/list.js';
import { Area, ErrorBox, Field, Link, Loading, Page, Select } from '../lib/ui.js';
import { ComponentsPicker, useComponentNames } from './components-picker.js';

export function IncidentList() {
  const { t, may, lang } = useApp();
  const [which, setWhich] = useState<'open' | 'all'>('all');
  const list = useLoad(() => get<{ incidents: Incident[] }>(`/incidents${qs({ status: which, limit: 100 })}`), [which]);
  return (
    <Page
      title={t('incidents.title')}
      actions={
        may('createIncident') ? (
          <Link to="/incidents/new" class="button primary">
            {t('incidents.new')}
          </Link>
        ) : null
      }
    >
      <div class="filters">
        <Select label={t('incidents.show')} value={which} onChange={(v) => setWhich(v as 'open' | 'all')} options={[['all', t('incidents.all')], ['open', t('incidents.open')]]} />
      </div>
      <ListTable
        rows={list.data?.incidents}
        error={list.error}
        empty={t('incidents.none')}
        rowKey={(i) => i.id}
        columns={[
          {
            head: t('incidents.name'),
            cell: (i) => (
              <>
                <Link to={`/incidents/${seg(i.id)}`}>{i.name}</Link>
                {i.origin === 'auto' ? <span class="tag">{t('incidents.auto')}</span> : null}
              </>
            ),
          },
          { head: t('incidents.status'), cell: (i) => t(`istatus.${i.status}` as Key) },
          { head: t('incidents.impact'), cell: (i) => t(`impact.${i.impact}` as Key) },
          { head: t('incidents.opened'), cell: (i) => dateTime(i.created_at, lang) },
        ]}
      />
    </Page>
  );
}

const NEW_FIELDS = ['name', 'status', 'body', 'impact', 'cause', 'components'];

export function NewIncident() {
  const { t, say } = useApp();
  const [name, setName] = useState('');
  const [status, setStatus] = useState('investigating');
  const [body, setBody] = useState('');
  const [impact, setImpact] = useState('minor');
  const [cause, setCause] = useState('unknown');
  const [components, setComponents] = useState<Record<string, string>>({});
  const act = useAction(async () => {
    const made = await post<Incident>('/incidents', { name: name.trim(), status, body: body.trim(), impact, cause, ...(Object.keys(components).length ? { components } : {}) });
    say(t('common.saved'));
    navigate(`/incidents/${seg(made.id)}`);
  });
  const fe = (k: string) => act.error?.forField(k);
  return (
    <Page title={t('incidents.new')}>
      <p>
        <Link to="/incidents">{t('common.back')}</Link>
      </p>
      <form class="form" noValidate onSubmit={(e) => (e.preventDefault(), void act.run())}>
        <ErrorBox error={act.error} fields={NEW_FIELDS} />
        <Field label={t('incidents.name')} value={name} onInput={setName} error={fe('name')} required />
        <Select
          label={t('incidents.template')}
          value=""
          onChange={(v) => {
            if (!v) return;
            setStatus(v);
            setBody(t(`template.${v}` as Key));
          }}
          options={[['', t('incidents.noTemplate')], ...TEMPLATES.map((x): [string, string] => [x, t(`istatus.${x}` as Key)])]}
        />
        <Select label={t('incidents.status')} value={status} onChange={setStatus} options={INCIDENT_STATUSES.map((s): [string, string] => [s, t(`istatus.${s}` as Key)])} error={fe('status')} />
        <Area label={t('incidents.body')} value={body} onInput={setBody} error={fe('body')} hint={t('incidents.markdown')} required />
        <div class="row2">
          <Select label={t('incidents.impact')} value={impact} onChange={setImpact} options={IMPACTS.map((s): [string, string] => [s, t(`impact.${s}` as Key)])} error={fe('impact')} />
          <Select label={t('incidents.cause')} value={cause} onChange={setCause} options={CAUSES.map((s): [string, string] => [s, t(`cause.${s}` as Key)])} error={fe('cause')} />
        </div>
        <ComponentsPicker legend={t('incidents.components')} value={components} onChange={setComponents} withStatus error={fe('components')} />
        <button type="submit" class="primary" disabled={act.busy}>
          {t('incidents.publish')}
        </button>
      </form>
    </Page>
  );
}

export function IncidentPage(props: { params: Record<string, string> }) {
  const id = props.params.id!;
  const { t, may, lang, say } = useApp();
  const inc = useLoad(() => get<Incident>(`/incidents/${seg(id)}`), [id]);
  const componentName = useComponentNames();
  const [status, setStatus] = useState('');
  const [body, setBody] = useState('');
  const [resolveBody, setResolveBody] = useState('');
  const [pm, setPm] = useState('');
  const update = useAction(async () => {
    await post(`/incidents/${seg(id)}/updates`, { body: body.trim(), ...(status ? { status } : {}) });
    setBody('');
    setStatus('');
    say(t('incidents.updated'));
    inc.reload();
  });
  const resolve = useAction(async () => {
    await post(`/incidents/${seg(id)}/resolve`, resolveBody.trim() ? { body: resolveBody.trim() } : {});
    say(t('incidents.resolvedSaid'));
    inc.reload();
  });
  const postmortem = useAction(async () => {
    await post(`/incidents/${seg(id)}/postmortem`, { body: pm.trim() });
    say(t('incidents.postmortemSaid'));
    inc.reload();
  });
  if (inc.error) return <Page title={t('incidents.title')}><ErrorBox error={inc.error} /></Page>;
  if (!inc.data) return <Page title={t('incidents.title')}><Loading /></Page>;
  const i = inc.data;
  const resolved = i.status === 'resolved' || i.status === 'postmortem';
  return (
    <Page title={i.name}>
      <p>
        <Link to="/incidents">{t('common.back')}</Link>
      </p>
      <dl class="facts">
        <dt>{t('incidents.status')}</dt>
        <dd>{t(`istatus.${i.status}` as Key)}</dd>
        <dt>{t('incidents.impact')}</dt>
        <dd>{t(`impact.${i.impact}` as Key)}</dd>
        <dt>{t('incidents.cause')}</dt>
        <dd>{t(`cause.${i.cause}` as Key)}</dd>
        <dt>{t('incidents.opened')}</dt>
        <dd>{dateTime(i.created_at, lang)}</dd>
        {i.resolved_at ? (
          <>
            <dt>{t('incidents.resolvedAt')}</dt>
            <dd>{dateTime(i.resolved_at, lang)}</dd>
          </>
        ) : null}
        <dt>{t('incidents.components')}</dt>
        <dd>{i.components.length ? i.components.map((c) => `${componentName(c.id)} (${t(`cstatus.${c.status}` as Key)})`).join(', ') : '—'}</dd>
      </dl>
      {may('postIncidentUpdate') && !resolved ? (
        <form class="form" noValidate onSubmit={(e) => (e.preventDefault(), void update.run())} aria-labelledby="post-update">
          <h2 id="post-update">{t('incidents.postUpdate')}</h2>
          <ErrorBox error={update.error} fields={['status', 'body']} />
          <Select label={t('incidents.newStatus')} value={status} onChange={setStatus} options={[['', t('incidents.keepStatus')], ...INCIDENT_STATUSES.map((s): [string, string] => [s, t(`istatus.${s}` as Key)])]} error={update.error?.forField('status')} />
          <Area label={t('incidents.body')} value={body} onInput={setBody} error={update.error?.forField('body')} hint={t('incidents.markdown')} />
          <button type="submit" class="primary" disabled={update.busy}>
            {t('incidents.post')}
          </button>
        </form>
      ) : null}
      {may('resolveIncident') && !resolved ? (
        <form class="form" noValidate onSubmit={(e) => (e.preventDefault(), void resolve.run())} aria-labelledby="resolve">
          <h2 id="resolve">{t('incidents.resolve')}</h2>
          <ErrorBox error={resolve.error} fields={['body']} />
          <Area label={t('incidents.resolveBody')} value={resolveBody} onInput={setResolveBody} error={resolve.error?.forField('body')} rows={2} />
          <button type="submit" disabled={resolve.busy}>
            {t('incidents.resolve')}
          </button>
        </form>
      ) : null}
      {may('publishPostmortem') && resolved && !i.postmortem ? (
        <form class="form" noValidate onSubmit={(e) => (e.preventDefault(), void postmortem.run())} aria-labelledby="pm">
          <h2 id="pm">{t('incidents.postmortem')}</h2>
          <ErrorBox error={postmortem.error} fields={['body']} />
          <Area label={t('incidents.body')} value={pm} onInput={setPm} error={postmortem.error?.forField('body')} rows={6} hint={t('incidents.markdown')} />
          <button type="submit" disabled={postmortem.busy}>
            {t('incidents.publishPostmortem')}
          </button>
        </form>
      ) : null}
      {i.postmortem ? (
        <section aria-labelledby="pm-shown">
          <h2 id="pm-shown">{t('incidents.postmortem')}</h2>
          <div class="prose" dangerouslySetInnerHTML={{ __html: i.postmortem.html }} />
        </section>
      ) : null}
      <h2>{t('incidents.updates')}</h2>
      <ol class="updates">
        {i.updates.map((u) => (
          <li key={u.id}>
            <p class="meta">
              <strong>{t(`istatus.${u.status}` as Key)}</strong> · {dateTime(u.at, lang)} · {u.author}
            </p>
            <div class="prose" dangerouslySetInnerHTML={{ __html: u.html }} />
          </li>
        ))}
      </ol>
    </Page>
  );
}
