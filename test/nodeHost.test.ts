import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devnetAccount } from '../scripts/devnet/startDevnet.ts';
import { castHash, performanceCast, reaction, signed, user } from '../scripts/neynarPayloads.ts';
import {
  deliverSigned,
  freePort,
  type Spawned,
  spawnScript,
  stopSpawned,
  viralPayloads,
  waitHealthy as waitForHealth,
} from '../scripts/support/spawnHost.ts';
import { readMigrations } from '../src/db/migrate.ts';

const run = (script: string, env: Record<string, string>): Spawned => spawnScript(script, env);
const waitHealthy = (port: number, r: Spawned) => waitForHealth(port, r, 120_000);
const stop = stopSpawned;

describe('Node host (npm start)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gigavibe-node-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts with no configuration, prints a development secret once, and counts signed deliveries', async () => {
    const port = await freePort();
    const first = run('src/dev.ts', { PORT: String(port), DATA_DIR: dataDir });
    await waitHealthy(port, first);
    const secret = (await readFile(path.join(dataDir, 'neynar-webhook-secret'), 'utf8')).trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.output()).toContain(secret);

    const demo = await fetch(`http://127.0.0.1:${port}/api/performances?limit=10`);
    const items = ((await demo.json()) as { items: { metrics: { likes: number }; viral: { score: number } }[] }).items;
    // The demo is delivered through the ingest path, so its engagement also shows in the viral score.
    expect(items).toHaveLength(3);
    expect(items.every((item) => item.metrics.likes > 0 && item.viral.score > 0)).toBe(true);

    const hash = castHash(1, 'e');
    for (const payload of [
      performanceCast(hash, user(7000)),
      reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(1), at: Date.now() }),
      reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(2), at: Date.now() }),
    ]) {
      const s = await signed(secret, payload);
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/neynar`, {
        method: 'POST',
        body: s.body,
        headers: s.headers,
      });
      expect(res.status).toBe(200);
    }
    let likes = -1;
    for (let i = 0; i < 50 && likes !== 2; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/performances/${hash}`);
      if (res.status === 200) likes = ((await res.json()) as { metrics: { likes: number } }).metrics.likes;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(likes).toBe(2);
    expect(await stop(first)).toBe(0);

    const second = run('src/node.ts', { PORT: String(port), DATA_DIR: dataDir });
    await waitHealthy(port, second);
    expect(second.output()).not.toContain(secret);
    const again = await fetch(`http://127.0.0.1:${port}/api/performances/${hash}`);
    expect(((await again.json()) as { metrics: { likes: number } }).metrics.likes).toBe(2);
    expect(await stop(second)).toBe(0);
    // The production entry never starts a development chain; it says which jobs wait for configuration.
    expect(second.output()).not.toContain('local devnet');
    expect(second.output()).toContain('"job":"trade-confirmation"');
  }, 240_000);

  it("npm start (src/dev.ts) with no BASE_RPC_URL creates a viral performance's coin on a devnet it starts, and stops it on exit", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-devnet-'));
    const port = await freePort();
    const r = run('src/dev.ts', {
      PORT: String(port),
      DATA_DIR: dir,
      VIRAL_SCORE_THRESHOLD: '5',
      VIRAL_SWEEP_SECONDS: '1',
      COIN_WORKER_SECONDS: '1',
    });
    try {
      await waitHealthy(port, r);
      const secret = (await readFile(path.join(dir, 'neynar-webhook-secret'), 'utf8')).trim();
      const hash = castHash(77, 'b');
      const statuses = await deliverSigned(port, secret, viralPayloads(hash, 7100, 60_000));
      expect(statuses).toEqual(Array(13).fill(200));
      type Coin = { address: string; txHash: string } | null;
      let coin: Coin = null;
      for (let i = 0; i < 150 && coin === null; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/api/performances/${hash}`);
        if (res.status === 200) coin = ((await res.json()) as { coin: Coin }).coin;
        if (coin === null) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(coin?.address).toMatch(/^0x[0-9a-f]{40}$/);
      expect(r.output()).toContain('no BASE_RPC_URL: coins are created and bought on a local devnet');
      expect(r.output()).toContain('"msg":"coin confirmed"');
      expect(await stop(r)).toBe(0);
      // The platform key (the devnet's account 1 here) is never logged.
      expect(r.output().toLowerCase()).not.toContain(devnetAccount(1).privateKey.slice(2).toLowerCase());
    } finally {
      if (r.child.exitCode === null) await stop(r);
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses to start on a bad variable, naming it and the reason', async () => {
    const r = run('src/node.ts', { PORT: 'http', DATA_DIR: dataDir, LOG_LEVEL: 'verbose' });
    expect(await r.exited).toBe(1);
    expect(r.output()).toContain('PORT: must be a number');
    expect(r.output()).toContain('LOG_LEVEL: must be debug, info, warn, error or silent');
  });

  it('applies pending migrations with npm run db:migrate and records them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-migrate-'));
    try {
      const first = run('scripts/migrate.ts', { DATA_DIR: dir });
      expect(await first.exited).toBe(0);
      const versions = (await readMigrations()).map((m) => m.version);
      expect(first.output()).toContain(`pglite: applied ${versions.length} migration(s): ${versions.join(', ')}`);
      const second = run('scripts/migrate.ts', { DATA_DIR: dir });
      expect(await second.exited).toBe(0);
      expect(second.output()).toContain('pglite: schema is up to date');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
