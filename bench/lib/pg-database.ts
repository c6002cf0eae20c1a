// A fresh PostgreSQL database for one bench run (PGURL names the server; postgres://postgres@127.0.0.1:5432 by default).
/** Creates `vigie_bench_<label>_<pid>_<time>`; the returned `drop` removes it. */
export async function pgDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  const base = process.env.PGURL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `vigie_bench_${label}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await c.end();
    },
  };
}
