// The public status page, rendered on the server. Preact escapes every interpolated value,
// so names and reasons from config or probes cannot inject markup.
import { STATUS_LABEL } from '../../core/status.js';
import type { Snapshot } from '../snapshot.js';
import { CSS } from './style.js';

const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export function StatusPage({ s, refreshSeconds }: { s: Snapshot; refreshSeconds?: number }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {refreshSeconds ? <meta http-equiv="refresh" content={String(refreshSeconds)} /> : null}
        <title>{`${s.title}: ${s.status.description}`}</title>
        <link rel="alternate" type="application/json" href="/api/v2/summary.json" />
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header>
          <h1>{s.title}</h1>
          <p class="now">
            As of <time dateTime={new Date(s.now).toISOString()}>{utc(s.now)}</time>
          </p>
          <p class={`banner ${s.status.indicator}`} role="status">
            {s.status.description}
          </p>
        </header>
        <main>
          {s.services.map((svc) => (
            <section class="service" aria-labelledby={`svc-${svc.publicId}`} data-service={svc.id}>
              <header>
                <h2 id={`svc-${svc.publicId}`}>{svc.name}</h2>
                <span class={`status s-${svc.status}`}>{STATUS_LABEL[svc.status]}</span>
              </header>
              <ul class="components">
                {svc.components.map((c) => (
                  <li data-component={c.id} data-status={c.status}>
                    <span>
                      {c.name}
                      {c.group ? <span class="group">{c.group}</span> : null}
                    </span>
                    <span class={`status s-${c.status}`}>
                      {STATUS_LABEL[c.status]}
                      {c.status !== 'operational' ? (
                        <span class="since">
                          since <time dateTime={new Date(c.since).toISOString()}>{utc(c.since).slice(11)}</time>
                        </span>
                      ) : null}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          ))}
          <section aria-labelledby="changes-title">
            <h2 id="changes-title">Recent changes</h2>
            {s.changes.length === 0 ? (
              <p>No status changes recorded.</p>
            ) : (
              <ol class="changes">
                {s.changes.map((ch) => (
                  <li>
                    <time dateTime={new Date(ch.at).toISOString()}>{utc(ch.at)}</time> {ch.serviceName} {ch.componentName}:{' '}
                    <span class={`s-${ch.to}`}>{STATUS_LABEL[ch.to]}</span> ({ch.reason})
                  </li>
                ))}
              </ol>
            )}
          </section>
        </main>
        <footer class="now">
          Observed by Vigie. Machine-readable: <a href="/api/v2/summary.json">summary.json</a>
        </footer>
      </body>
    </html>
  );
}
