// Under a component whose shown status was declared by an open incident or maintenance (worse than what
// Vigie observes): which is which, so a reader never mistakes a declaration for an observation.
import type { SnapshotComponent } from '../snapshot.js';
import { type Lang, MESSAGES } from '../../i18n/index.js';

export function StatusOrigin({ lang, c }: { lang: Lang; c: SnapshotComponent }) {
  const d = c.declared;
  if (!d) return null;
  const m = MESSAGES[lang];
  const observed = c.observed ?? 'operational';
  return (
    <p class="meta origin" data-declared={d.status} data-observed={observed}>
      {d.kind === 'maintenance' ? m.gen.declaredByMaintenance : m.gen.declaredByIncident} <a href={`/incidents/${encodeURIComponent(d.incidentId)}`}>{d.incidentName}</a>
      {' · '}
      {m.gen.observedByVigie}: <span class={`s-${observed}`}>{m.status[observed]}</span>
    </p>
  );
}
