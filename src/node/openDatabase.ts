import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../config/schema.ts';
import { createStores, type Stores } from '../createStores.ts';
import { type Listener, postgresListener } from '../db/listen.ts';
import { migrate, readBootstrap, readMigrations } from '../db/migrate.ts';
import { openPglite } from '../db/pglite.ts';
import { openPostgres } from '../db/postgres.ts';
import { sqlRpc } from '../db/rpc.ts';
import type { SqlClient } from '../db/sqlClient.ts';
import { lockDataDir } from '../startup/lockDataDir.ts';
import { StartupError } from '../startup/StartupError.ts';
import { type Logger, silentLogger } from '../support/logger.ts';

export type DatabaseKind = 'pglite' | 'postgres' | 'supabase';

export interface OpenDatabase {
  kind: DatabaseKind;
  stores: Stores;
  /** Direct SQL access (PGlite and PostgreSQL only). */
  sql: SqlClient | null;
  /** LISTEN for GET /api/stream (PGlite in process; PostgreSQL on one dedicated connection, opened on first use);
   * null on the Supabase Data API, which cannot listen. */
  listener: Listener | null;
  /** Migrations applied while opening. */
  applied: string[];
  /** The schema was created by this open (every migration applied from nothing). */
  fresh: boolean;
}

/** Open the configured database on Node: PostgreSQL when DATABASE_URL is set, Supabase (RPC over HTTP) when
 * SUPABASE_URL is, else embedded PGlite under DATA_DIR. Applies pending migrations (PGlite always; PostgreSQL unless
 * MIGRATE_ON_START=false; Supabase never: use `supabase db push`). `fresh` says the schema was created just now (the
 * development host then delivers its demo data). */
export async function openDatabase(
  env: Pick<Env, 'DATABASE_URL' | 'SUPABASE_URL' | 'SUPABASE_SERVICE_ROLE_KEY' | 'DATA_DIR' | 'MIGRATE_ON_START'>,
  options: { migrate?: boolean; command?: string; logger?: Logger } = {},
): Promise<OpenDatabase> {
  if (env.SUPABASE_URL !== undefined && env.SUPABASE_SERVICE_ROLE_KEY !== undefined) {
    // Loaded on demand: supabase-js is only needed on this path.
    const { supabaseRpc } = await import('../db/supabase.ts');
    const rpc = supabaseRpc(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY);
    return { kind: 'supabase', stores: createStores(rpc), sql: null, listener: null, applied: [], fresh: false };
  }
  let sql: SqlClient;
  let listener: Listener;
  let kind: DatabaseKind;
  if (env.DATABASE_URL !== undefined) {
    sql = openPostgres(env.DATABASE_URL);
    kind = 'postgres';
    await probePostgres(sql, env.DATABASE_URL);
    listener = postgresListener(env.DATABASE_URL, { logger: options.logger ?? silentLogger });
  } else {
    const lock = lockDataDir(env.DATA_DIR, options.command ?? 'another GigaVibe process');
    const dir = path.resolve(env.DATA_DIR, 'pglite');
    await mkdir(dir, { recursive: true });
    const pglite = await openPglite(dir);
    // The data directory is free again once the database is closed (a command, or a test, that opens and closes it).
    sql = {
      ...pglite,
      async close() {
        await pglite.close();
        lock.release();
      },
    };
    kind = 'pglite';
    listener = pglite;
  }
  let applied: string[] = [];
  let fresh = false;
  if (options.migrate ?? (kind === 'pglite' || env.MIGRATE_ON_START)) {
    try {
      applied = await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
      fresh = applied.length > 0 && applied[0] === (await readMigrations())[0]?.version;
    } catch (error) {
      await sql.close();
      throw error;
    }
  }
  return { kind, stores: createStores(sqlRpc(sql)), sql, listener, applied, fresh };
}

/** Connection failures a user can fix (wrong host, port, password, database name), by pg error code. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  '28P01': 'password authentication failed',
  '28000': 'not allowed to connect',
  '3D000': 'the database does not exist',
};

/** One `select 1` within 10 s, so a wrong DATABASE_URL stops the start with one line naming where it pointed (user,
 * host, port and database; never the password) instead of a driver stack trace or a hang. */
async function probePostgres(sql: SqlClient, url: string): Promise<void> {
  const where = describePostgresUrl(url);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), 10_000);
  });
  try {
    await Promise.race([sql.query('select 1'), timeout]);
  } catch (error) {
    await sql.close().catch(() => undefined);
    const code = String((error as { code?: unknown }).code ?? '');
    const reason = UNREACHABLE[code] ?? (error as Error).message.split('\n')[0]?.slice(0, 200) ?? 'error';
    throw new StartupError(`cannot reach DATABASE_URL (${where}): ${reason}`);
  } finally {
    clearTimeout(timer);
  }
}

/** `user@host:port/database` of a connection string, without the password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username === '' ? '' : `${decodeURIComponent(u.username)}@`;
    return `${user}${u.hostname}:${u.port || '5432'}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'an unparsable URL';
  }
}
