// What every screen needs: the signed-in user, the language and its words, and the role test.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Lang, T } from '../i18n/index.js';
import type { Operation } from './roles.js';
import type { User } from './types.js';

export interface Ctx {
  user: User;
  lang: Lang;
  t: T;
  /** Whether the user's role suffices for an admin operation (its x-vigie-role in the API's document). */
  may: (op: Operation) => boolean;
  /** Shows a short message in the page's live region. */
  say: (text: string) => void;
}

export const AppContext = createContext<Ctx | null>(null);

export function useApp(): Ctx {
  const c = useContext(AppContext);
  if (!c) throw new Error('useApp outside the signed-in app');
  return c;
}
