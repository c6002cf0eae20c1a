// Roles, from least to most power: a viewer reads, an editor changes what Vigie watches and says,
// an owner also manages people, tokens and sees the audit log.
export const ROLES = ['viewer', 'editor', 'owner'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, editor: 1, owner: 2 };

export const isRole = (x: unknown): x is Role => typeof x === 'string' && (ROLES as readonly string[]).includes(x);

/** True when `has` may do what needs `needs`. */
export const atLeast = (has: Role, needs: Role): boolean => RANK[has] >= RANK[needs];

/** The role a route needs when it does not say: reading is for everyone signed in, any change for editors. */
export const defaultRole = (method: string): Role => (['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase()) ? 'viewer' : 'editor');

/** Who made a request. */
export interface Actor {
  kind: 'user' | 'token';
  name: string;
  role: Role;
  /** The user's id (kind 'user'). */
  userId?: string;
}
