import { PGlite } from '@electric-sql/pglite';
import { type Listener, pgliteListener } from './listen.ts';
import { serialSqlClient } from './serialSqlClient.ts';
import type { SqlClient, SqlSession } from './sqlClient.ts';

/** Embedded PostgreSQL (PGlite, Postgres compiled to WASM), persisted in dataDir, or in memory when dataDir is
 * undefined. PGlite is a single connection, so sessions are serialised through a queue. It can LISTEN (src/db/listen.ts). */
export async function openPglite(dataDir?: string): Promise<SqlClient & Listener> {
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
  const client = serialSqlClient(raw, () => db.close());
  // LISTEN in process: a notification is delivered to this same connection's callbacks after its transaction commits.
  return { ...client, ...pgliteListener(db, (fn) => client.session(fn)) };
}
