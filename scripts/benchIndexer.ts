/** npm run bench:indexer [-- --swaps 400 --coins 5 --range 2000]: indexer throughput on the devnet. Starts anvil
 * with the development contracts, makes `swaps` buys spread over `coins` coins and 8 wallets (each buy logs a Swapped
 * and a Transfer), then indexes everything from the coins' creation with the chain indexer into a fresh database
 * (PGlite; PostgreSQL when TEST_DATABASE_URL is set) and reports logs applied per second. Nothing runs afterwards. */
import { parseArgs } from 'node:util';
import { parseEther } from 'viem';
import { createChainIndexer } from '../src/market/createChainIndexer.ts';
import { createIndexerChain } from '../src/market/createIndexerChain.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, preparePostgresTemplate } from '../test/support/databases.ts';
import { devnetMarket, registerCoin } from '../test/support/devnetMarket.ts';
import { startDevnet } from './devnet/startDevnet.ts';
import { castHash } from './neynarPayloads.ts';

const { values } = parseArgs({
  options: { swaps: { type: 'string' }, coins: { type: 'string' }, range: { type: 'string' } },
});
const swaps = Number(values.swaps ?? 400);
const coinCount = Number(values.coins ?? 5);
const range = Number(values.range ?? 2000);
for (const [name, value] of Object.entries({ swaps, coins: coinCount, range })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

const devnet = await startDevnet();
try {
  const market = await devnetMarket(devnet);
  const coins = [];
  for (let i = 0; i < coinCount; i += 1) coins.push(await market.createCoin(`B${i}`));
  let t = performance.now();
  for (let i = 0; i < swaps; i += 1) {
    const buyer = devnet.accounts.users[i % 8];
    const coin = coins[i % coins.length];
    if (!buyer || !coin) throw new Error('devnet accounts or coins missing');
    await market.routerBuy(buyer, coin.coin, parseEther('0.001'));
  }
  const head = await market.publicClient.getBlockNumber({ cacheTime: 0 });
  console.log(
    `made ${swaps} buys over ${coinCount} coins in ${((performance.now() - t) / 1000).toFixed(1)} s (${head} blocks)`,
  );

  const url = process.env.TEST_DATABASE_URL;
  if (url !== undefined) await preparePostgresTemplate(url);
  const target = databaseTargets().at(-1);
  if (!target) throw new Error('no database target');
  const db = await target.create();
  try {
    for (const [i, coin] of coins.entries()) await registerCoin(db, castHash(900_000 + i, 'b'), 9_000 + i, coin);
    // Time spent in the chain's answers and in the database's applying, for the report.
    let chainMs = 0;
    let applyMs = 0;
    const timed =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>, add: (ms: number) => void) =>
      async (...args: A): Promise<R> => {
        const started = performance.now();
        try {
          return await fn(...args);
        } finally {
          add(performance.now() - started);
        }
      };
    const real = createIndexerChain(devnet.rpcUrl);
    const chain = {
      blockNumber: timed(real.blockNumber, (ms) => (chainMs += ms)),
      block: timed(real.block, (ms) => (chainMs += ms)),
      logs: timed(real.logs, (ms) => (chainMs += ms)),
      transaction: timed(real.transaction, (ms) => (chainMs += ms)),
    };
    const store = { ...db.stores.market, applyStep: timed(db.stores.market.applyStep, (ms) => (applyMs += ms)) };
    const indexer = createChainIndexer({
      chainId: 8453,
      chain,
      store,
      leases: db.stores.jobs,
      logger: silentLogger,
      holder: 'bench',
      confirmations: 0,
      blockRange: range,
      maxStepsPerRun: 1_000_000,
    });
    t = performance.now();
    const { steps } = await indexer.runOnce();
    const seconds = (performance.now() - t) / 1000;
    let trades = 0;
    let transfers = 0;
    for (const step of steps) {
      if (step.kind === 'applied') {
        trades += step.trades;
        transfers += step.transfers;
      }
    }
    const logs = trades + transfers;
    console.log(
      `${target.name}: indexed ${trades} swaps + ${transfers} transfers = ${logs} logs in ${steps.length - 1} steps ` +
        `(range ${range}) in ${seconds.toFixed(2)} s: ${(logs / seconds).toFixed(0)} logs/s; ` +
        `chain reads ${(chainMs / 1000).toFixed(2)} s summed over concurrent calls, applying ${(applyMs / 1000).toFixed(2)} s`,
    );
  } finally {
    await db.close();
  }
} finally {
  await devnet.stop();
}
