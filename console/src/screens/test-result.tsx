// What "Test now" answers: ok or not, the latency and its phases, the classified error.
import { useApp } from '../lib/context.js';
import { ms } from '../lib/format.js';
import type { TestAnswer } from '../lib/types.js';

export function TestResult(props: { result: TestAnswer }) {
  const { t } = useApp();
  const o = props.result.observation;
  const p = o.phases;
  return (
    <div class={`test-result ${o.ok ? 'ok' : 'bad'}`} role="status">
      <strong>{o.ok ? (o.degraded ? t('test.slow') : t('test.ok')) : t('test.failed')}</strong> · {props.result.region} · {ms(o.latency_ms)}
      {o.status_code ? ` · HTTP ${o.status_code}` : ''}
      {o.error ? (
        <p>
          <code>{o.error.kind}</code> {o.error.message}
        </p>
      ) : null}
      <p class="muted">
        {t('chart.dns')} {ms(p.dns_ms)} · {t('chart.connect')} {ms(p.connect_ms)} · {t('chart.tls')} {ms(p.tls_ms)} · {t('chart.firstByte')} {ms(p.first_byte_ms)}
      </p>
    </div>
  );
}
