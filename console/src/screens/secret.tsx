// A secret shown once (a new token): selectable text and a copy button, with the warning.
import { useState } from 'preact/hooks';
import { useApp } from '../lib/context.js';

export function SecretOnce(props: { label: string; value: string }) {
  const { t } = useApp();
  const [copied, setCopied] = useState(false);
  return (
    <div class="secret" role="status">
      <p>
        <strong>{props.label}</strong> {t('secret.once')}
      </p>
      <code class="secret-value" data-secret>
        {props.value}
      </code>{' '}
      <button
        type="button"
        class="small"
        onClick={() => {
          navigator.clipboard?.writeText(props.value).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? t('secret.copied') : t('secret.copy')}
      </button>
    </div>
  );
}
