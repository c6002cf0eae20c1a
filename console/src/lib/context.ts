// What every screen needs: the signed-in user, the language and its words, and the role test.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Lang, T } from '../i18n/index.js';
import type { Role, User } from './types.js';

export interface Ctx {
  user: User;
  lang: Lang;
  t: T;
  /** Whether the user's role is at least `role` (viewer < editor < owner). */
  can: (role: Role) => boolean;
  /** Shows a short message in the page's live region. */
  say: (text: string) => void;
}

export const AppContext = createContext<Ctx | null>(null);

export function useApp(): Ctx {
  const c = useContext(AppContext);
  if (!c) throw new Error('useApp outside the signed-in app');
  return c;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, owner: 2 };
export const atLeast = (have: Role, need: Role) => (RANK[have] ?? -1) >= RANK[need];
