/** A real Node HTTP server running the app with a stream hub over a test database, for the stream tests. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { castHash, PERFORMANCE_CHANNEL, performanceCast, signed, user } from '../../scripts/neynarPayloads.ts';
import { createApp, type GigaVibeApp } from '../../src/app.ts';
import { type Listener, postgresListener } from '../../src/db/listen.ts';
import { createStreamHub, type StreamHub, type StreamHubOptions } from '../../src/stream/createStreamHub.ts';
import { silentLogger } from '../../src/support/logger.ts';
import type { TestDatabase } from './databases.ts';

export const STREAM_SECRET = 'stream-webhook-secret-0123456789abcdef';
export const CHAIN_ID = 8453;

export interface StreamInstance {
  url: string;
  hub: StreamHub;
  gv: GigaVibeApp;
  /** Sign and POST a Neynar payload to this instance, then apply it. */
  deliver(payload: unknown): Promise<void>;
  close(): Promise<void>;
}

/** The database's listener: PGlite's own (in process), or a dedicated PostgreSQL connection of this instance. */
export function listenerOf(db: TestDatabase): Listener {
  if (db.kind === 'postgres' && db.url !== null) return postgresListener(db.url, { logger: silentLogger });
  return db.sql as unknown as Listener;
}

export async function startStreamInstance(
  db: TestDatabase,
  options: Partial<Omit<StreamHubOptions, 'listener' | 'read' | 'logger'>> = {},
): Promise<StreamInstance> {
  const hub = createStreamHub({
    listener: listenerOf(db),
    read: (subjects) => db.stores.stream.readSubjects({ chainId: CHAIN_ID, ...subjects }),
    logger: silentLogger,
    maxConnections: 100,
    maxConnectionsPerClient: 100,
    heartbeatMs: 200,
    resumeWindowMs: 10_000,
    ...options,
  });
  const gv = createApp(
    { webhookSecrets: [STREAM_SECRET], performanceChannelUrl: PERFORMANCE_CHANNEL },
    {
      stores: db.stores,
      logger: silentLogger,
      applyMode: 'none',
      stream: { hub },
      clientAddress: (c) => getConnInfo(c).remote.address,
    },
  );
  const server = serve({ fetch: gv.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    hub,
    gv,
    async deliver(payload) {
      const s = await signed(STREAM_SECRET, payload);
      const res = await fetch(`${url}/webhooks/neynar`, { method: 'POST', body: s.body, headers: s.headers });
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
      await gv.drainer.drain();
    },
    async close() {
      await hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

let serial = 0;

/** A performance delivered through the webhook (so its counters and viral aggregates exist) with a coin row. */
export async function seedCoin(
  instance: StreamInstance,
  db: TestDatabase,
): Promise<{ castHash: string; coinAddress: string; artistFid: number }> {
  serial += 1;
  const n = serial * 1000 + Math.floor(Math.random() * 1000);
  const hash = castHash(n, 'a');
  const fid = 40_000 + n;
  await instance.deliver(performanceCast(hash, user(fid)));
  const coinAddress = `0x${n.toString(16).padStart(40, 'c')}`;
  await db.sql.query(
    `insert into public.performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash)
     select id, $2, $3, 'VIBE', 'Vibe coin', $4 from public.performances where cast_hash = $1`,
    [hash, coinAddress, CHAIN_ID, `0x${n.toString(16).padStart(64, 'e')}`],
  );
  return { castHash: hash, coinAddress, artistFid: fid };
}

/** Change a coin's row (its pool id is in the coin JSON, so the event shows the new value). */
export async function setPoolId(db: TestDatabase, coinAddress: string, poolId: string): Promise<void> {
  await db.sql.query('update public.performance_coins set pool_id = $2 where coin_address = $1', [coinAddress, poolId]);
}

/** Wait until `check` holds (polling), or throw after timeoutMs. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
