import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { createGigaVibe, type GigaVibeHost } from '../src/createGigaVibe.ts';
import { createStores, type Stores } from '../src/createStores.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { sqlRpc } from '../src/db/rpc.ts';
import { silentLogger } from '../src/support/logger.ts';
import { closedPort } from './support/closedPort.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';

/** GigaVibe as a Node host builds it (createGigaVibe: the real wiring from BASE_RPC_URL to the route), over `stores`. */
const healthOf = async (stores: Stores, env: Record<string, string> = {}) => {
  const host: GigaVibeHost = {
    kind: 'node',
    stores,
    logger: silentLogger,
    webhookSecrets: ['healthz-test-secret'],
    applyMode: 'inline',
    writer: {},
    publicUrl: null,
    fonts: [],
    randomSecret: () => 'ab'.repeat(16),
  };
  const { app } = createGigaVibe(loadConfig(env), host);
  const started = Date.now();
  const res = await app.request('/healthz');
  return { status: res.status, body: (await res.json()) as unknown, ms: Date.now() - started };
};

let devnet: Devnet;
beforeAll(async () => {
  devnet = await startDevnet();
});
afterAll(async () => {
  await devnet?.stop();
});

describe('GET /healthz', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await (databaseTargets()[0] ?? { create: () => Promise.reject(new Error('no database')) }).create();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('says no chain is configured without BASE_RPC_URL', async () => {
    expect(await healthOf(db.stores)).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        database: { reachable: true, pendingEvents: 0, failedEvents: 0 },
        chain: { configured: false },
      },
    });
  });

  it("reports a reachable chain's id and latest block", async () => {
    expect(await healthOf(db.stores, { BASE_RPC_URL: devnet.rpcUrl })).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        database: { reachable: true },
        chain: { configured: true, reachable: true, chainId: 8453, blockNumber: expect.any(Number) },
      },
    });
  });

  it('is "degraded", naming both ids, when the RPC serves another chain than CHAIN_ID', async () => {
    expect(await healthOf(db.stores, { BASE_RPC_URL: devnet.rpcUrl, CHAIN_ID: '84532' })).toMatchObject({
      status: 200,
      body: { status: 'degraded', chain: { configured: true, reachable: true, chainId: 8453, wrongChain: true } },
    });
  });

  it('stays 200 but "degraded" when the chain RPC is unreachable, within the probe bound, saying nothing of the URL', async () => {
    const port = await closedPort();
    const health = await healthOf(db.stores, { BASE_RPC_URL: `http://127.0.0.1:${port}/v2/secret-key` });
    expect(health).toMatchObject({
      status: 200,
      body: {
        status: 'degraded',
        database: { reachable: true, pendingEvents: 0, failedEvents: 0 },
        chain: { configured: true, reachable: false },
      },
    });
    expect(JSON.stringify(health.body)).not.toMatch(/secret|127\.0\.0\.1/);
    expect(health.ms).toBeLessThan(2500);
  });

  it('answers 503 when the database is down, with the chain still reported', async () => {
    const sql = openPostgres(`postgres://nobody@127.0.0.1:${await closedPort()}/none`, { max: 1 });
    try {
      expect(await healthOf(createStores(sqlRpc(sql)), { BASE_RPC_URL: devnet.rpcUrl })).toMatchObject({
        status: 503,
        body: {
          status: 'unavailable',
          database: { reachable: false },
          chain: { configured: true, reachable: true, chainId: 8453 },
        },
      });
    } finally {
      await sql.close();
    }
  });
});
