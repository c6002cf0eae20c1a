// A history router in a few lines: paths under /admin, links that navigate without reloading, and
// the current path as a hook. Route matching is a list of patterns in app.tsx.
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/admin';

const listeners = new Set<() => void>();

/** The path inside the console ("/monitors/x"), with its query. */
export function current(): string {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return (p || '/') + location.search;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = BASE + (to.startsWith('/') ? to : `/${to}`);
  if (url === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

export function useLocation(): string {
  const [path, setPath] = useState(current());
  useEffect(() => {
    const on = () => setPath(current());
    listeners.add(on);
    window.addEventListener('popstate', on);
    return () => {
      listeners.delete(on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  return path;
}

/** Matches "/monitors/:id" against a path; params are decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const [p] = path.split('?');
  const a = pattern.split('/');
  const b = (p ?? '').split('/');
  if (a.length !== b.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.startsWith(':')) {
      if (!y) return null;
      try {
        out[x.slice(1)] = decodeURIComponent(y);
      } catch {
        return null;
      }
    } else if (x !== y) return null;
  }
  return out;
}

export function query(path: string): URLSearchParams {
  const i = path.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : path.slice(i + 1));
}

/** An <a> click handler: in-app navigation for plain left clicks, the browser's for the rest. */
export function onLink(e: MouseEvent, to: string): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(to);
}
