// People who sign in (src/auth): name, role, password hash, TOTP state, linked OpenID Connect account.
import type { Kysely } from 'kysely';
import type { Role } from '../auth/roles.js';
import type { Database, UserTable } from './schema.js';

export interface User {
  id: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  totpSecret: string | null;
  totpEnabled: boolean;
  totpLastStep: number | null;
  oidcSubject: string | null;
  createdAt: number;
  updatedAt: number;
}

const fromRow = (r: UserTable): User => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  passwordHash: r.password_hash,
  totpSecret: r.totp_secret,
  totpEnabled: Number(r.totp_enabled) === 1,
  totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
  oidcSubject: r.oidc_subject,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export class UserNameTakenError extends Error {}

export class UserStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(u: { id: string; name: string; role: Role; passwordHash: string | null; oidcSubject?: string | null; at: number }): Promise<User> {
    const taken = await this.db.selectFrom('users').select('id').where('name', '=', u.name).executeTakeFirst();
    if (taken) throw new UserNameTakenError(`a user named "${u.name}" already exists`);
    const row: UserTable = { id: u.id, name: u.name, role: u.role, password_hash: u.passwordHash, totp_secret: null, totp_enabled: 0, totp_last_step: null, oidc_subject: u.oidcSubject ?? null, created_at: u.at, updated_at: u.at };
    await this.db.insertInto('users').values(row).execute();
    return fromRow(row);
  }

  async byName(name: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async byId(id: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async bySubject(subject: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('oidc_subject', '=', subject).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async list(): Promise<User[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('name').execute()).map(fromRow);
  }

  async owners(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'owner').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(id: string, at: number, set: Partial<Pick<UserTable, 'role' | 'password_hash' | 'totp_secret' | 'totp_enabled' | 'totp_last_step' | 'oidc_subject'>>): Promise<void> {
    await this.db.updateTable('users').set({ ...set, updated_at: at }).where('id', '=', id).execute();
  }

  /**
   * Records a TOTP step as used, only when it is later than the last one: false when another request
   * took this step (or a later one) first, so a code is accepted once even by two concurrent sign-ins.
   */
  async useTotpStep(id: string, step: number): Promise<boolean> {
    const r = await this.db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async remove(id: string): Promise<boolean> {
    await this.db.deleteFrom('sessions').where('user_id', '=', id).execute();
    const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
