// What "Test now" answers: ok or not, the latency and its phases, the classified error.
import { useApp } from '../lib/context.js';
import { ms } from '../lib/format.js';

export interface TestAnswer {
  ok: boolean;
  latency_ms?: number | null;
  error?: string | null;
  message?: string | null;
  status_code?: number | null;
  phases?: Record<string, number | null>;
  [k: string]: unknown;
}

export function TestResult(props: { result: TestAnswer }) {
  const { t } = useApp();
  const r = props.result;
  return (
    <div class={`test-result ${r.ok ? 'ok' : 'bad'}`} role="status">
      <strong>{r.ok ? t('test.ok') : t('test.failed')}</strong> {ms(r.latency_ms)}
      {r.status_code ? ` · HTTP ${r.status_code}` : ''}
      {r.error ? (
        <>
          {' · '}
          <code>{r.error}</code>
        </>
      ) : null}
      {r.message ? <p>{r.message}</p> : null}
    </div>
  );
}
