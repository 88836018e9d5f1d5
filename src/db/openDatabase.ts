import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../config/schema.ts';
import { migrate, readBootstrap, readMigrations, readSeed } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { sqlRpc } from './rpc.ts';
import type { SqlClient } from './sqlClient.ts';
import { createStore, type Store } from './store.ts';

export type DatabaseKind = 'pglite' | 'postgres' | 'supabase';

export interface OpenDatabase {
  kind: DatabaseKind;
  store: Store;
  /** Direct SQL access (PGlite and PostgreSQL only). */
  sql: SqlClient | null;
  /** Migrations applied while opening. */
  applied: string[];
}

/** Open the configured database on Node: PostgreSQL when DATABASE_URL is set, Supabase (RPC over HTTP) when
 * SUPABASE_URL is, else embedded PGlite under DATA_DIR. Applies pending migrations (PGlite always; PostgreSQL unless
 * MIGRATE_ON_START=false; Supabase never: use `supabase db push`). A fresh embedded database gets the demo seed. */
export async function openDatabase(
  env: Pick<Env, 'DATABASE_URL' | 'SUPABASE_URL' | 'SUPABASE_SERVICE_ROLE_KEY' | 'DATA_DIR' | 'MIGRATE_ON_START'>,
  options: { migrate?: boolean; seed?: boolean } = {},
): Promise<OpenDatabase> {
  if (env.SUPABASE_URL !== undefined && env.SUPABASE_SERVICE_ROLE_KEY !== undefined) {
    // Loaded on demand: supabase-js is only needed on this path.
    const { supabaseRpc } = await import('./supabase.ts');
    const rpc = supabaseRpc(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY);
    return { kind: 'supabase', store: createStore(rpc), sql: null, applied: [] };
  }
  let sql: SqlClient;
  let kind: DatabaseKind;
  if (env.DATABASE_URL !== undefined) {
    sql = openPostgres(env.DATABASE_URL);
    kind = 'postgres';
  } else {
    const dir = path.resolve(env.DATA_DIR, 'pglite');
    await mkdir(dir, { recursive: true });
    sql = await openPglite(dir);
    kind = 'pglite';
  }
  let applied: string[] = [];
  if (options.migrate ?? (kind === 'pglite' || env.MIGRATE_ON_START)) {
    try {
      applied = await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
      const fresh = applied.length > 0 && applied[0] === (await readMigrations())[0]?.version;
      if (fresh && (options.seed ?? kind === 'pglite')) await sql.exec(await readSeed());
    } catch (error) {
      await sql.close();
      throw error;
    }
  }
  return { kind, store: createStore(sqlRpc(sql)), sql, applied };
}
