// Small pieces every screen uses: the page frame (title, focus on arrival), labelled fields with
// their error beside them, error and empty states, links that stay in the app.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import type { Key } from '../i18n/index.js';
import { ApiError } from './api.js';
import { useApp } from './context.js';
import { onLink } from './router.js';

export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Vigie`;
    // Arriving on a screen puts the keyboard and screen reader at its heading, as a page load would.
    h.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1} ref={h}>
          {props.title}
        </h1>
        {props.actions ? <div class="actions">{props.actions}</div> : null}
      </div>
      {props.children}
    </section>
  );
}

export function Link(props: { to: string; children: ComponentChildren; class?: string; 'aria-label'?: string }) {
  return (
    <a href={`/admin${props.to}`} class={props.class} aria-label={props['aria-label']} onClick={(e) => onLink(e as unknown as MouseEvent, props.to)}>
      {props.children}
    </a>
  );
}

interface InputProps {
  required?: boolean;
  autocomplete?: string;
  inputMode?: 'numeric' | 'text' | 'email' | 'url';
  placeholder?: string;
  readOnly?: boolean;
}

export function Field(props: { label: string; value: string; onInput: (v: string) => void; error?: string | undefined; hint?: string; type?: string } & InputProps) {
  const { label, value, onInput, error, hint, type, ...rest } = props;
  const id = useId();
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        type={type ?? 'text'}
        value={value}
        onInput={(e) => onInput((e.target as HTMLInputElement).value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error || hint ? `${id}-d` : undefined}
        {...rest}
      />
      {error || hint ? (
        <p id={`${id}-d`} class={error ? 'error-text' : 'hint'}>
          {error ?? hint}
        </p>
      ) : null}
    </div>
  );
}

export function Area(props: { label: string; value: string; onInput: (v: string) => void; error?: string | undefined; rows?: number; required?: boolean; hint?: string }) {
  const id = useId();
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        rows={props.rows ?? 4}
        value={props.value}
        required={props.required}
        onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error || props.hint ? `${id}-d` : undefined}
      />
      {props.error || props.hint ? (
        <p id={`${id}-d`} class={props.error ? 'error-text' : 'hint'}>
          {props.error ?? props.hint}
        </p>
      ) : null}
    </div>
  );
}

export function Select(props: { label: string; value: string; onChange: (v: string) => void; options: [string, string][]; error?: string | undefined; disabled?: boolean; class?: string }) {
  const id = useId();
  return (
    <div class={`field${props.error ? ' invalid' : ''}${props.class ? ` ${props.class}` : ''}`}>
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)} aria-invalid={props.error ? 'true' : undefined} aria-describedby={props.error ? `${id}-d` : undefined}>
        {props.options.map(([v, l]) => (
          <option value={v} key={v}>
            {l}
          </option>
        ))}
      </select>
      {props.error ? (
        <p id={`${id}-d`} class="error-text">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

export function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  return (
    <div class="field check">
      <input id={id} type="checkbox" checked={props.checked} onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)} />
      <label for={id}>{props.label}</label>
    </div>
  );
}

/** The message of an API error in the operator's words where we have them, else the server's. */
export function errorText(err: ApiError, t: (k: Key, p?: Record<string, string | number>) => string): string {
  if (err.status === 0) return t('error.network', { message: err.message });
  if (err.status === 403) return t('error.forbidden', { message: err.message });
  if (err.status === 404) return t('error.notFound', { message: err.message });
  if (err.status === 409) return t('error.conflict', { message: err.message });
  if (err.status >= 500) return t('error.server', { message: err.message });
  return err.message;
}

/** An error for the whole form or screen; with `fields`, only the issues no field shows. */
export function ErrorBox(props: { error: ApiError | undefined; fields?: readonly string[] }) {
  const { t } = useApp();
  const e = props.error;
  if (!e) return null;
  const rest = props.fields ? e.unclaimed(props.fields) : e.issues;
  if (props.fields && e.issues.length > 0 && rest.length === 0) return <p class="alert" role="alert">{t('form.fixFields')}</p>;
  return (
    <div class="alert" role="alert">
      <p>{e.issues.length > 0 ? t('form.invalid') : errorText(e, t)}</p>
      {rest.length > 0 ? (
        <ul>
          {rest.map((i) => (
            <li key={i.field}>
              <code>{i.field}</code> {i.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading() {
  const { t } = useApp();
  return (
    <p class="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

const STATUS_KEYS: Record<string, Key> = {
  up: 'status.up',
  down: 'status.down',
  degraded: 'status.degraded',
  unknown: 'status.unknown',
  paused: 'status.paused',
};

export function StatusBadge(props: { status: string; paused?: boolean }) {
  const { t } = useApp();
  const s = props.paused ? 'paused' : props.status;
  const key = STATUS_KEYS[s];
  return <span class={`badge s-${key ? s : 'unknown'}`}>{key ? t(key) : s}</span>;
}
