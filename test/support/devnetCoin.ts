/** A real coin on the devnet for a test database, created the way production creates it: a viral performance, the
 * coin worker, the Zora API stand-in's create call, confirm_coin. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Address } from 'viem';
import { expect } from 'vitest';
import type { Devnet } from '../../scripts/devnet/startDevnet.ts';
import type { ZoraApiStandIn } from '../../scripts/devnet/zoraApiStandIn.ts';
import { castHash, performanceCast, reaction, user } from '../../scripts/neynarPayloads.ts';
import { createCoinChain } from '../../src/coins/createCoinChain.ts';
import { createCoinWorker } from '../../src/coins/createCoinWorker.ts';
import { silentLogger } from '../../src/support/logger.ts';
import type { TestDatabase } from './databases.ts';
import { deliverToStore } from './deliverToStore.ts';
import { testApp } from './testApp.ts';
import { setParams } from './viralFixtures.ts';

/** The created coin: its performance's cast, address, symbol, pool id and creation time. */
export interface DevnetCoin {
  castHash: string;
  coin: Address;
  symbol: string;
  poolId: string;
  createdAt: string;
}

/** Create one coin for a new performance by `artistFid` (payout to `artistAddress`). */
export async function createDevnetCoin(
  db: TestDatabase,
  chain: { devnet: Devnet; standIn: ZoraApiStandIn; apiKey: string },
  artist: { fid: number; address: Address },
): Promise<DevnetCoin> {
  await setParams(db, { threshold: 1, min_unique_engagers: 1 });
  const gv = testApp(db);
  const metadataServer = serve({ fetch: gv.app.fetch, port: 0, hostname: '127.0.0.1' });
  try {
    await new Promise<void>((resolve) => metadataServer.once('listening', () => resolve()));
    const publicUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;
    const cast = castHash(Math.floor(Math.random() * 2 ** 40), 'f');
    await deliverToStore(db.stores.ingest, [
      performanceCast(cast, user(artist.fid, { custody_address: artist.address.toLowerCase() })),
      reaction({
        kind: 'created',
        type: 1,
        castHash: cast,
        reactor: user(artist.fid + 1, { score: 0.9 }),
        at: Date.now(),
      }),
    ]);
    await db.stores.viral.sweepViral();
    const coinChain = createCoinChain(
      {
        rpcUrl: chain.devnet.rpcUrl,
        chainId: 8453,
        privateKey: chain.devnet.accounts.platform.privateKey,
        zoraApiKey: chain.apiKey,
        zoraApiBaseUrl: chain.standIn.url,
        platformReferrer: undefined,
      },
      { pollingIntervalMs: 50 },
    );
    const worker = createCoinWorker({ store: db.stores.coins, logger: silentLogger, chain: coinChain, publicUrl });
    expect(await worker.runOnce()).toEqual([expect.objectContaining({ kind: 'confirmed' })]);
    const found = await db.stores.trading.getBuyTarget(cast);
    if (found?.coin == null || found.coin.poolId === null) throw new Error('the coin was not confirmed');
    return {
      castHash: cast,
      coin: found.coin.address as Address,
      symbol: found.coin.symbol,
      poolId: found.coin.poolId,
      createdAt: found.coin.createdAt,
    };
  } finally {
    await new Promise<void>((resolve) => metadataServer.close(() => resolve()));
  }
}
