// Services and their components: those from vigie.yaml are shown read-only ("from config"); the
// ones made here can be renamed and deleted, and get new components.
import { useState } from 'preact/hooks';
import { del, get, patch, post, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { useAction, useLoad } from '../lib/hooks.js';
import type { Component, Service } from '../lib/types.js';
import { Empty, ErrorBox, Field, Loading, Page } from '../lib/ui.js';

export function Services() {
  const { t, may } = useApp();
  const list = useLoad(() => get<{ services: Service[] }>('/services'), []);
  return (
    <Page title={t('services.title')}>
      <ErrorBox error={list.error} />
      {may('createService') ? <NewService onDone={list.reload} /> : null}
      {!list.data ? (
        list.error ? null : <Loading />
      ) : list.data.services.length === 0 ? (
        <Empty>{t('services.none')}</Empty>
      ) : (
        list.data.services.map((s) => <ServiceCard key={s.id} s={s} reload={list.reload} />)
      )}
    </Page>
  );
}

function NewService(props: { onDone: () => void }) {
  const { t, say } = useApp();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [cid, setCid] = useState('');
  const [cname, setCname] = useState('');
  const act = useAction(async () => {
    // A service is born with its first component (as in the config file).
    await post('/services', { id: id.trim(), name: name.trim(), components: [{ id: cid.trim(), name: cname.trim() }] });
    setId('');
    setName('');
    setCid('');
    setCname('');
    say(t('common.saved'));
    props.onDone();
  });
  return (
    <form class="form inline" noValidate onSubmit={(e) => (e.preventDefault(), void act.run())} aria-labelledby="new-service">
      <h2 id="new-service">{t('services.new')}</h2>
      <ErrorBox error={act.error} fields={['id', 'name', 'components.0.id', 'components.0.name']} />
      <Field label={t('services.id')} value={id} onInput={setId} error={act.error?.forField('id')} hint={t('services.idHint')} />
      <Field label={t('services.name')} value={name} onInput={setName} error={act.error?.forField('name')} />
      <Field label={t('services.firstComponentId')} value={cid} onInput={setCid} error={act.error?.forField('components.0.id')} />
      <Field label={t('services.firstComponentName')} value={cname} onInput={setCname} error={act.error?.forField('components.0.name')} />
      <button type="submit" class="primary" disabled={act.busy}>
        {t('services.add')}
      </button>
    </form>
  );
}

function ServiceCard(props: { s: Service; reload: () => void }) {
  const { t, may, say } = useApp();
  const { s } = props;
  const app = s.source !== 'config';
  const [name, setName] = useState(s.name);
  const [cid, setCid] = useState('');
  const [cname, setCname] = useState('');
  const rename = useAction(async () => {
    await patch(`/services/${seg(s.id)}`, { name: name.trim() });
    say(t('common.saved'));
    props.reload();
  });
  const remove = useAction(async () => {
    if (!confirm(t('services.confirmDelete', { name: s.name }))) return;
    await del(`/services/${seg(s.id)}?cascade=true`);
    say(t('common.deleted'));
    props.reload();
  });
  const addComp = useAction(async () => {
    await post(`/services/${seg(s.id)}/components`, { id: cid.trim(), name: cname.trim() });
    setCid('');
    setCname('');
    say(t('common.saved'));
    props.reload();
  });
  return (
    <article class="card" aria-labelledby={`svc-${s.id}`}>
      <h2 id={`svc-${s.id}`}>
        {s.name} <code class="muted">{s.id}</code> {s.source === 'config' ? <span class="tag">{t('common.fromConfig')}</span> : null}
      </h2>
      <ErrorBox error={rename.error ?? remove.error} fields={['name']} />
      {app && (may('updateService') || may('deleteService')) ? (
        <form class="form inline" noValidate onSubmit={(e) => (e.preventDefault(), void rename.run())}>
          {may('updateService') ? (
            <>
              <Field label={t('services.name')} value={name} onInput={setName} error={rename.error?.forField('name')} />
              <button type="submit" disabled={rename.busy}>
                {t('services.rename')}
              </button>
            </>
          ) : null}
          {may('deleteService') ? (
            <button type="button" class="danger" onClick={() => void remove.run()} disabled={remove.busy}>
              {t('common.delete')}
            </button>
          ) : null}
        </form>
      ) : null}
      <h3>{t('services.components')}</h3>
      {s.components.length === 0 ? <Empty>{t('services.noComponents')}</Empty> : (
        <ul class="plain">
          {s.components.map((c) => (
            <ComponentRow key={c.id} c={c} editable={c.source !== 'config' && may('updateComponent')}
              deletable={c.source !== 'config' && may('deleteComponent')} reload={props.reload} />
          ))}
        </ul>
      )}
      {may('createComponent') ? (
        <form class="form inline" noValidate onSubmit={(e) => (e.preventDefault(), void addComp.run())}>
          <ErrorBox error={addComp.error} fields={['id', 'name']} />
          <Field label={t('services.componentId')} value={cid} onInput={setCid} error={addComp.error?.forField('id')} />
          <Field label={t('services.componentName')} value={cname} onInput={setCname} error={addComp.error?.forField('name')} />
          <button type="submit" disabled={addComp.busy}>
            {t('services.addComponent')}
          </button>
        </form>
      ) : null}
    </article>
  );
}

function ComponentRow(props: { c: Component; editable: boolean; deletable: boolean; reload: () => void }) {
  const { t, say } = useApp();
  const { c } = props;
  const [name, setName] = useState(c.name);
  const [editing, setEditing] = useState(false);
  const save = useAction(async () => {
    await patch(`/components/${seg(c.id)}`, { name: name.trim() });
    setEditing(false);
    say(t('common.saved'));
    props.reload();
  });
  const remove = useAction(async () => {
    if (!confirm(t('services.confirmDeleteComponent', { name: c.name }))) return;
    await del(`/components/${seg(c.id)}?cascade=true`);
    say(t('common.deleted'));
    props.reload();
  });
  return (
    <li>
      {editing ? (
        <form class="form inline" noValidate onSubmit={(e) => (e.preventDefault(), void save.run())}>
          <ErrorBox error={save.error} fields={['name']} />
          <Field label={t('services.componentName')} value={name} onInput={setName} error={save.error?.forField('name')} />
          <button type="submit" class="primary" disabled={save.busy}>
            {t('common.save')}
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            {t('common.cancel')}
          </button>
        </form>
      ) : (
        <>
          {c.name} <code class="muted">{c.id}</code> <span class="muted">{t('services.monitorCount', { n: c.monitors.length })}</span>
          {props.editable ? (
            <>
              {' '}
              <button type="button" class="small" onClick={() => setEditing(true)} aria-label={t('services.editComponent', { name: c.name })}>
                {t('common.edit')}
              </button>
            </>
          ) : null}
          {props.deletable ? (
            <>
              {' '}
              <button type="button" class="small danger" onClick={() => void remove.run()} aria-label={t('services.deleteComponent', { name: c.name })}>
                {t('common.delete')}
              </button>
              <ErrorBox error={remove.error} />
            </>
          ) : null}
        </>
      )}
    </li>
  );
}
