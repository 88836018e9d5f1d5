/** Database targets for tests: every database test runs on PGlite, and also on a real PostgreSQL server when
 * TEST_DATABASE_URL is set (CI sets it). Each call gives a fresh, migrated, empty database. */
import { randomBytes } from 'node:crypto';
import { createStores, type Stores } from '../../src/createStores.ts';
import { migrate, readBootstrap, readMigrations } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres, withPgClient } from '../../src/db/postgres.ts';
import { sqlRpc } from '../../src/db/rpc.ts';
import type { SqlClient } from '../../src/db/sqlClient.ts';

export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  sql: SqlClient;
  stores: Stores;
  /** Connection string of this database (PostgreSQL only). */
  url: string | null;
  close(): Promise<void>;
}

export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const TEMPLATE = 'gigavibe_test_template';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Create (once per run; see test/globalSetup.ts) a migrated template database to copy per test. */
export async function preparePostgresTemplate(url: string): Promise<void> {
  await withPgClient(url, async (c) => {
    await c.query(`drop database if exists ${TEMPLATE}`);
    await c.query(`create database ${TEMPLATE}`);
  });
  const sql = openPostgres(withDatabase(url, TEMPLATE), { max: 1 });
  try {
    await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
  } finally {
    await sql.close();
  }
}

async function createPostgres(url: string): Promise<TestDatabase> {
  const name = `gigavibe_t_${randomBytes(6).toString('hex')}`;
  await withPgClient(url, (c) => c.query(`create database ${name} template ${TEMPLATE}`));
  const dbUrl = withDatabase(url, name);
  const sql = openPostgres(dbUrl, { max: 20 });
  return {
    kind: 'postgres',
    sql,
    stores: createStores(sqlRpc(sql)),
    url: dbUrl,
    async close() {
      await sql.close();
      await withPgClient(url, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function createPglite(): Promise<TestDatabase> {
  const sql = await openPglite();
  await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
  return { kind: 'pglite', sql, stores: createStores(sqlRpc(sql)), url: null, close: () => sql.close() };
}

/** The databases every database test runs against. */
export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [{ name: 'pglite', create: createPglite }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) targets.push({ name: 'postgres', create: () => createPostgres(url) });
  return targets;
}
