import pg from 'pg';
import { serialSqlClient } from '../db/serialSqlClient.ts';
import type { SqlClient, SqlSession } from '../db/sqlClient.ts';

/** One PostgreSQL connection for one Worker invocation (Workers cannot share sockets across requests, so there is no
 * pool): connects on first use over `cloudflare:sockets` (pg's Workers support), serialises sessions, and must be
 * closed when the invocation's work is done. https://developers.cloudflare.com/workers/databases/connecting-to-databases/ */
export function openPgClient(connectionString: string): SqlClient {
  const client = new pg.Client({ connectionString });
  // A dropped connection must not become an uncaught error; the next query fails and is handled by its caller.
  client.on('error', () => undefined);
  let connecting: Promise<void> | null = null;
  const connected = (): Promise<void> => {
    connecting ??= client.connect().then(() => undefined);
    return connecting;
  };
  const raw: SqlSession = {
    async query<Row>(sql: string, params: unknown[] = []) {
      await connected();
      return (await client.query(sql, params)).rows as Row[];
    },
    async exec(sql: string) {
      await connected();
      await client.query(sql);
    },
  };
  return serialSqlClient(raw, async () => {
    if (connecting === null) return;
    const open = await connecting.then(
      () => true,
      () => false,
    );
    if (open) await client.end();
  });
}
