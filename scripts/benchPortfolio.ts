/** `npm run bench:portfolio`: a wallet holding N coins (default 500) on the devnet, its portfolio answered N times
 * through the route as the server answers it (embedded database, the coins the indexer saw, one Multicall3 eth_call
 * at one block for every balance and pool price, average cost). Creates the coins through the dev factory and buys
 * each once from one devnet account; the indexer's rows (transfers and buys) are written through SQL. Prints p50/p99
 * of the answer time. Target: under 300 ms for 500 coins. */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { coinFactoryABI, encodeMultiCurvePoolConfig } from '@zoralabs/protocol-deployments';
import { Hono } from 'hono';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
  toHex,
  zeroAddress,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createStores } from '../src/createStores.ts';
import { migrate, readBootstrap, readMigrations } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite.ts';
import { sqlRpc } from '../src/db/rpc.ts';
import { createErrorHandler } from '../src/http/onError.ts';
import { createHoldingsReader } from '../src/portfolio/createHoldingsReader.ts';
import { portfolioRoutes } from '../src/portfolio/portfolioRoutes.ts';
import { silentLogger } from '../src/support/logger.ts';
import { formatTable, num, percentile } from './bench/summarize.ts';
import { devSwapRouterAbi } from './devnet/devAbis.ts';
import { startDevnet } from './devnet/startDevnet.ts';
import { DEVNET_TICK_LOWER, DEVNET_TICK_UPPER } from './devnet/zoraApiStandIn.ts';

const USAGE = `Portfolio benchmark (devnet + embedded database).

Usage: npm run bench:portfolio -- [--coins 500] [--runs 50]`;

const { values } = parseArgs({
  options: { coins: { type: 'string' }, runs: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const COINS = Number(values.coins ?? 500);

const RUNS = Number(values.runs ?? 50);

const devnet = await startDevnet();
const sql = await openPglite(undefined);
try {
  const transport = http(devnet.rpcUrl);
  const publicClient = createPublicClient({ chain: devnet.chain, transport, pollingInterval: 20 });
  const [creatorAccount, holderAccount] = devnet.accounts.users;
  if (!creatorAccount || !holderAccount) throw new Error('devnet accounts missing');
  const creator = createWalletClient({
    chain: devnet.chain,
    transport,
    account: privateKeyToAccount(creatorAccount.privateKey),
  });
  const holder = createWalletClient({
    chain: devnet.chain,
    transport,
    account: privateKeyToAccount(holderAccount.privateKey),
  });
  const wallet = holderAccount.address.toLowerCase();

  /** Send and poll for the receipt directly: viem's waitForTransactionReceipt checks again only on a new block, and
   * with anvil's automine no block comes after the last transaction, so a receipt asked for a moment too early was
   * never asked for again. */
  async function mined(sendOnce: () => Promise<Hex>): Promise<TransactionReceipt> {
    const hash = await sendOnce();
    for (let waited = 0; waited < 30_000; waited += 20) {
      const receipt = await publicClient.getTransactionReceipt({ hash }).catch(() => null);
      if (receipt !== null) return receipt;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`transaction ${hash} was not mined within 30 s`);
  }

  const setupStart = performance.now();
  const poolConfig = encodeMultiCurvePoolConfig({
    currency: zeroAddress,
    tickLower: [DEVNET_TICK_LOWER],
    tickUpper: [DEVNET_TICK_UPPER],
    numDiscoveryPositions: [1],
    maxDiscoverySupplyShare: [10n ** 18n],
  });
  const coins: { address: Address; poolId: Hex; poolKey: unknown; tx: Hex }[] = [];
  let creatorNonce = await publicClient.getTransactionCount({ address: creatorAccount.address });
  for (let i = 0; i < COINS; i += 1) {
    const nonce = creatorNonce++;
    const receipt = await mined(() =>
      creator.sendTransaction({
        nonce,
        to: devnet.addresses.coinFactory,
        gas: 3_000_000n,
        data: encodeFunctionData({
          abi: coinFactoryABI,
          functionName: 'deploy',
          args: [
            creatorAccount.address,
            [creatorAccount.address],
            `ipfs://bench-${i}`,
            `Bench ${i}`,
            `B${i}`,
            poolConfig,
            zeroAddress,
            zeroAddress,
            '0x',
            toHex(i + 1, { size: 32 }),
          ],
        }),
      }),
    );
    const hash = receipt.transactionHash;
    const [created] = parseEventLogs({ abi: coinFactoryABI, eventName: 'CoinCreatedV4', logs: receipt.logs });
    if (!created) throw new Error(`coin ${i} was not created`);
    const key = created.args.poolKey;
    const poolId = keccak256(
      encodeAbiParameters(
        [{ type: 'address' }, { type: 'address' }, { type: 'uint24' }, { type: 'int24' }, { type: 'address' }],
        [key.currency0, key.currency1, key.fee, key.tickSpacing, key.hooks],
      ),
    );
    coins.push({ address: created.args.coin, poolId, poolKey: key, tx: hash });
  }
  const buys: Hex[] = [];
  let holderNonce = await publicClient.getTransactionCount({ address: holderAccount.address });
  for (const coin of coins) {
    const nonce = holderNonce++;
    const receipt = await mined(() =>
      holder.sendTransaction({
        nonce,
        to: devnet.addresses.swapRouter,
        gas: 600_000n,
        value: parseEther('0.0001'),
        data: encodeFunctionData({
          abi: devSwapRouterAbi,
          functionName: 'buyWithEth',
          args: [coin.address, 0n, holderAccount.address],
        }),
      }),
    );
    buys.push(receipt.transactionHash);
  }

  await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
  const rows = coins.map((coin, i) => ({
    cast: `0x${(0xbe000000 + i).toString(16).padStart(40, '0')}`,
    coin: coin.address.toLowerCase(),
    poolId: coin.poolId,
    poolKey: JSON.parse(JSON.stringify(coin.poolKey, (_, v) => (typeof v === 'bigint' ? Number(v) : v))),
    tx: coin.tx,
    buy: buys[i],
  }));
  const data = [JSON.stringify(rows)];
  await sql.query(`insert into public.users (farcaster_fid, username, profile_at) values (424242, 'bench', now())`, []);
  await sql.query(
    `insert into public.performances (cast_hash, artist_fid, title, cast_created_at)
     select r ->> 'cast', 424242, 'Bench ' || (r ->> 'cast'), now() from jsonb_array_elements($1::jsonb) r`,
    data,
  );
  await sql.query(
    `insert into public.performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash, pool_id,
       pool_key)
     select p.id, r ->> 'coin', 8453, 'B', 'Bench', r ->> 'tx', r ->> 'poolId', r -> 'poolKey'
     from jsonb_array_elements($1::jsonb) r join public.performances p on p.cast_hash = r ->> 'cast'`,
    data,
  );
  await sql.query(
    `insert into public.coin_transfers (chain_id, coin_address, tx_hash, log_index, block_number, block_hash,
       from_address, to_address, amount)
     select 8453, r ->> 'coin', r ->> 'buy', 0, 1, r ->> 'buy', $2, $3, 1 from jsonb_array_elements($1::jsonb) r`,
    [...data, devnet.addresses.poolManager.toLowerCase(), wallet],
  );
  await sql.query(
    `insert into public.coin_trades (chain_id, coin_address, performance_id, tx_hash, log_index, block_number,
       block_hash, block_time, trader, side, coin_amount, eth_amount, price_wei, sqrt_price_x96)
     select 8453, r ->> 'coin', p.id, r ->> 'buy', 1, 1, r ->> 'buy', now(), $2, 'buy', 1, 100000000000000, 1, 1
     from jsonb_array_elements($1::jsonb) r join public.performances p on p.cast_hash = r ->> 'cast'`,
    [...data, wallet],
  );
  const setupSeconds = (performance.now() - setupStart) / 1000;

  const app = new Hono();
  app.onError(createErrorHandler(silentLogger));
  app.route(
    '/api',
    portfolioRoutes({
      store: createStores(sqlRpc(sql)).portfolio,
      chainId: 8453,
      readHoldings: createHoldingsReader({ publicClient, poolManager: devnet.addresses.poolManager }),
    }),
  );
  const times = new Float64Array(RUNS);
  let items = 0;
  for (let i = 0; i < RUNS + 3; i += 1) {
    const start = performance.now();
    const res = await app.request(`/api/portfolio/${wallet}`);
    const body = (await res.json()) as { items: { balance: string }[] };
    const ms = performance.now() - start;
    if (res.status !== 200) throw new Error(`portfolio answered ${res.status}`);
    items = body.items.filter((item) => item.balance !== '0').length;
    if (i >= 3) times[i - 3] = ms;
  }
  times.sort();
  // Where the time goes: the database read and the one multicall, timed apart.
  const store = createStores(sqlRpc(sql)).portfolio;
  const reader = createHoldingsReader({ publicClient, poolManager: devnet.addresses.poolManager });
  const dbTimes = new Float64Array(RUNS);
  const chainTimes = new Float64Array(RUNS);
  for (let i = 0; i < RUNS; i += 1) {
    let start = performance.now();
    const portfolioCoins = await store.getPortfolioCoins(8453, [wallet]);
    dbTimes[i] = performance.now() - start;
    start = performance.now();
    await reader({
      coins: portfolioCoins.map((c) => c.coinAddress as Address),
      holders: [wallet as Address],
      poolIds: portfolioCoins.map((c) => c.poolId as Hex),
    });
    chainTimes[i] = performance.now() - start;
  }
  dbTimes.sort();
  chainTimes.sort();
  console.log(`setup: ${COINS} coins created and bought in ${num(setupSeconds, 1)} s`);
  console.log(
    formatTable(
      ['part', 'coins held', 'p50 ms', 'p99 ms'],
      [
        ['whole answer', String(items), num(percentile(times, 0.5), 1), num(percentile(times, 0.99), 1)],
        ['database read', String(items), num(percentile(dbTimes, 0.5), 1), num(percentile(dbTimes, 0.99), 1)],
        ['multicall', String(items), num(percentile(chainTimes, 0.5), 1), num(percentile(chainTimes, 0.99), 1)],
      ],
    ),
  );
} finally {
  await sql.close();
  await devnet.stop();
}
