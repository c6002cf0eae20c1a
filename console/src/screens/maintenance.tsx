// Scheduled maintenance: what is planned or running, scheduling a new window, moving one along.
import { useState } from 'preact/hooks';
import type { Key } from '../i18n/index.js';
import { get, patch, post, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { MAINTENANCE_STATUSES } from '../lib/enums.js';
import { dateTime, fromLocalInput } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import type { Incident } from '../lib/types.js';
import { ListTable } from '../lib/list.js';
import { Area, Check, ErrorBox, Field, Page, Select } from '../lib/ui.js';
import { ComponentsPicker, useComponentNames } from './components-picker.js';

const FIELDS = ['name', 'body', 'components', 'scheduled_for', 'scheduled_until', 'auto_transitions'];

export function Maintenance() {
  const { t, may, lang } = useApp();
  const list = useLoad(() => get<{ maintenances: Incident[] }>('/maintenances?limit=100'), []);
  const componentName = useComponentNames();
  return (
    <Page title={t('maintenance.title')}>
      {may('createMaintenance') ? <Schedule onDone={list.reload} /> : null}
      <h2>{t('maintenance.list')}</h2>
      <ListTable
        rows={list.data?.maintenances}
        error={list.error}
        empty={t('maintenance.none')}
        rowKey={(m) => m.id}
        columns={[
          {
            head: t('incidents.name'),
            cell: (m) => (
              <>
                {m.name}
                <div class="muted">{m.components.map((c) => componentName(c.id)).join(', ')}</div>
              </>
            ),
          },
          {
            head: t('maintenance.window'),
            cell: (m) => (
              <>
                {dateTime(m.scheduled_for, lang)} → {dateTime(m.scheduled_until, lang)}
              </>
            ),
          },
          { head: t('incidents.status'), cell: (m) => t(`istatus.${m.status}` as Key) },
          { head: t('maintenance.move'), show: may('patchMaintenance'), cell: (m) => <MoveStatus m={m} onDone={list.reload} /> },
        ]}
      />
    </Page>
  );
}

function MoveStatus(props: { m: Incident; onDone: () => void }) {
  const { t, say } = useApp();
  const act = useAction(async (status: string) => {
    await patch(`/maintenances/${seg(props.m.id)}`, { status });
    say(t('common.saved'));
    props.onDone();
  });
  if (props.m.status === 'completed') return <span class="muted">—</span>;
  return (
    <>
      <Select
        label={t('maintenance.moveTo', { name: props.m.name })}
        class="compact"
        value={props.m.status}
        onChange={(v) => void act.run(v)}
        options={MAINTENANCE_STATUSES.map((s): [string, string] => [s, t(`istatus.${s}` as Key)])}
        disabled={act.busy}
      />
      <ErrorBox error={act.error} />
    </>
  );
}

function Schedule(props: { onDone: () => void }) {
  const { t, say } = useApp();
  const [name, setName] = useState('');
  const [body, setBody] = useState('');
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [auto, setAuto] = useState(true);
  const [components, setComponents] = useState<Record<string, string>>({});
  const act = useAction(async () => {
    await post('/maintenances', {
      name: name.trim(),
      ...(body.trim() ? { body: body.trim() } : {}),
      components: Object.keys(components),
      scheduled_for: fromLocalInput(from) ?? from,
      scheduled_until: fromLocalInput(until) ?? until,
      auto_transitions: auto,
    });
    setName('');
    setBody('');
    setComponents({});
    say(t('common.saved'));
    props.onDone();
  });
  const fe = (k: string) => act.error?.forField(k);
  return (
    <form class="form" noValidate onSubmit={(e) => (e.preventDefault(), void act.run())} aria-labelledby="schedule">
      <h2 id="schedule">{t('maintenance.schedule')}</h2>
      <ErrorBox error={act.error} fields={FIELDS} />
      <Field label={t('incidents.name')} value={name} onInput={setName} error={fe('name')} />
      <Area label={t('incidents.body')} value={body} onInput={setBody} error={fe('body')} rows={2} />
      <div class="row2">
        <Field label={t('maintenance.from')} type="datetime-local" value={from} onInput={setFrom} error={fe('scheduled_for')} />
        <Field label={t('maintenance.until')} type="datetime-local" value={until} onInput={setUntil} error={fe('scheduled_until')} />
      </div>
      <ComponentsPicker legend={t('incidents.components')} value={components} onChange={setComponents} withStatus={false} error={fe('components')} />
      <Check label={t('maintenance.auto')} checked={auto} onChange={setAuto} />
      <button type="submit" class="primary" disabled={act.busy}>
        {t('maintenance.scheduleButton')}
      </button>
    </form>
  );
}
