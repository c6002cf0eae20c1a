// Choosing affected components (service/component ids) and, for incidents, each one's status.
import { get } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { COMPONENT_STATUSES } from '../lib/enums.js';
import { useLoad } from '../lib/hooks.js';
import type { Service } from '../lib/types.js';
import type { Key } from '../i18n/index.js';

export function ComponentsPicker(props: { value: Record<string, string>; onChange: (v: Record<string, string>) => void; withStatus: boolean; legend: string; error?: string | undefined }) {
  const { t } = useApp();
  const services = useLoad(() => get<{ services: Service[] }>('/services'), []);
  const v = props.value;
  const list = services.data?.services ?? [];
  return (
    <fieldset class={`components${props.error ? ' invalid' : ''}`}>
      <legend>{props.legend}</legend>
      {services.error ? <p class="hint">{t('picker.unavailable')}</p> : null}
      {list.flatMap((s) =>
        s.components.map((c) => {
          const id = c.id;
          const on = id in v;
          const box = `pick-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
          return (
            <div class="pick" key={id}>
              <input
                type="checkbox"
                id={box}
                checked={on}
                onChange={(e) => {
                  const next = { ...v };
                  if ((e.target as HTMLInputElement).checked) next[id] = props.withStatus ? 'partial_outage' : 'under_maintenance';
                  else delete next[id];
                  props.onChange(next);
                }}
              />
              <label for={box}>
                {s.name} · {c.name}
              </label>
              {props.withStatus && on ? (
                <select aria-label={t('picker.statusOf', { name: `${s.name} · ${c.name}` })} value={v[id]} onChange={(e) => props.onChange({ ...v, [id]: (e.target as HTMLSelectElement).value })}>
                  {COMPONENT_STATUSES.map((st) => (
                    <option key={st} value={st}>
                      {t(`cstatus.${st}` as Key)}
                    </option>
                  ))}
                </select>
              ) : null}
            </div>
          );
        }),
      )}
      {props.error ? <p class="error-text">{props.error}</p> : null}
    </fieldset>
  );
}

/** "service/component" → "Service · Component" for display (the id itself until the list arrives). */
export function useComponentNames(): (id: string) => string {
  const services = useLoad(() => get<{ services: Service[] }>('/services'), []);
  const names = new Map<string, string>();
  for (const s of services.data?.services ?? []) for (const c of s.components) names.set(c.id, `${s.name} · ${c.name}`);
  return (id) => names.get(id) ?? id;
}
