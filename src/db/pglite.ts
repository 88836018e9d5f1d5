import { PGlite } from '@electric-sql/pglite';
import { serialSqlClient } from './serialSqlClient.ts';
import type { SqlClient, SqlSession } from './sqlClient.ts';

/** Embedded PostgreSQL (PGlite, Postgres compiled to WASM), persisted in dataDir, or in memory when dataDir is
 * undefined. PGlite is a single connection, so sessions are serialised through a queue. */
export async function openPglite(dataDir?: string): Promise<SqlClient> {
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  const raw: SqlSession = {
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await db.query<Row>(sql, params);
      return result.rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
  return serialSqlClient(raw, () => db.close());
}
