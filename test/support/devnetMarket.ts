/** Devnet helpers for the market tests: coins made straight through the dev factory, registered as a performance's
 * coin, and trades made the ways wallets make them without our API (our router called directly, v4-core's
 * PoolSwapTest router for buys and sells, plain ERC-20 transfers). */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { coinFactoryABI, encodeMultiCurvePoolConfig } from '@zoralabs/protocol-deployments';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  erc20Abi,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseAbi,
  parseEventLogs,
  toHex,
  zeroAddress,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devSwapRouterAbi } from '../../scripts/devnet/devAbis.ts';
import type { Devnet, DevnetAccount } from '../../scripts/devnet/startDevnet.ts';
import { DEVNET_TICK_LOWER, DEVNET_TICK_UPPER } from '../../scripts/devnet/zoraApiStandIn.ts';
import { performanceCast, user } from '../../scripts/neynarPayloads.ts';
import type { TestDatabase } from './databases.ts';
import { testApp } from './testApp.ts';

export type PoolKey = { currency0: Address; currency1: Address; fee: number; tickSpacing: number; hooks: Address };
export type DevCoin = { coin: Address; key: PoolKey; poolId: Hex; blockNumber: bigint; txHash: Hex };

const poolSwapTestAbi = parseAbi([
  'struct PoolKey { address currency0; address currency1; uint24 fee; int24 tickSpacing; address hooks; }',
  'struct SwapParams { bool zeroForOne; int256 amountSpecified; uint160 sqrtPriceLimitX96; }',
  'struct TestSettings { bool takeClaims; bool settleUsingBurn; }',
  'function swap(PoolKey key, SwapParams params, TestSettings testSettings, bytes hookData) payable returns (int256)',
]);
const MIN_SQRT_PRICE_PLUS_ONE = 4295128740n;
const MAX_SQRT_PRICE_MINUS_ONE = 1461446703485210103287273052203988822378723970341n;

export function poolIdOf(key: PoolKey): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'address' }, { type: 'address' }, { type: 'uint24' }, { type: 'int24' }, { type: 'address' }],
      [key.currency0, key.currency1, key.fee, key.tickSpacing, key.hooks],
    ),
  );
}

/** Trading on a devnet as outside wallets do. */
export async function devnetMarket(devnet: Devnet) {
  const publicClient: PublicClient = createPublicClient({
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
    pollingInterval: 50,
  });
  const wallet = (a: DevnetAccount) =>
    createWalletClient({
      chain: devnet.chain,
      transport: http(devnet.rpcUrl),
      account: privateKeyToAccount(a.privateKey),
    });
  const mined = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  const deployer = wallet(devnet.accounts.deployer);
  const artifact = JSON.parse(
    await readFile(
      createRequire(import.meta.url).resolve('@uniswap/v4-core/out/PoolSwapTest.sol/PoolSwapTest.json'),
      'utf8',
    ),
  ) as { abi: readonly unknown[]; bytecode: { object: Hex } };
  const deployed = await mined(
    await deployer.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode.object,
      args: [devnet.addresses.poolManager],
    }),
  );
  const poolSwapTest = deployed.contractAddress as Address;

  return {
    publicClient,
    poolSwapTest,
    mined,
    /** A coin straight from the dev factory (as the platform wallet). */
    async createCoin(symbol: string): Promise<DevCoin> {
      const poolConfig = encodeMultiCurvePoolConfig({
        currency: zeroAddress,
        tickLower: [DEVNET_TICK_LOWER],
        tickUpper: [DEVNET_TICK_UPPER],
        numDiscoveryPositions: [1],
        maxDiscoverySupplyShare: [10n ** 18n],
      });
      const platform = devnet.accounts.platform.address;
      const hash = await wallet(devnet.accounts.platform).writeContract({
        address: devnet.addresses.coinFactory,
        abi: coinFactoryABI,
        functionName: 'deploy',
        args: [
          platform,
          [platform],
          'ipfs://dev',
          `Coin ${symbol}`,
          symbol,
          poolConfig,
          zeroAddress,
          zeroAddress,
          '0x',
          toHex(crypto.getRandomValues(new Uint8Array(32))),
        ],
      });
      const receipt = await mined(hash);
      const [created] = parseEventLogs({ abi: coinFactoryABI, logs: receipt.logs, eventName: 'CoinCreatedV4' });
      if (!created) throw new Error('no CoinCreatedV4');
      const key = created.args.poolKey as PoolKey;
      return { coin: created.args.coin, key, poolId: poolIdOf(key), blockNumber: receipt.blockNumber, txHash: hash };
    },
    /** Buy through the devnet router, called directly. */
    async routerBuy(buyer: DevnetAccount, coin: Address, value: bigint) {
      return mined(
        await wallet(buyer).writeContract({
          address: devnet.addresses.swapRouter,
          abi: devSwapRouterAbi,
          functionName: 'buyWithEth',
          args: [coin, 0n, buyer.address],
          value,
        }),
      );
    },
    /** Buy (ETH in) or sell (coins in) through v4-core's PoolSwapTest router. */
    async poolSwap(trader: DevnetAccount, key: PoolKey, order: { buyWei: bigint } | { sellCoins: bigint }) {
      const w = wallet(trader);
      if ('sellCoins' in order) {
        await mined(
          await w.writeContract({
            address: key.currency1,
            abi: erc20Abi,
            functionName: 'approve',
            args: [poolSwapTest, order.sellCoins],
          }),
        );
      }
      const buy = 'buyWei' in order;
      return mined(
        await w.writeContract({
          address: poolSwapTest,
          abi: poolSwapTestAbi,
          functionName: 'swap',
          args: [
            key,
            {
              zeroForOne: buy,
              amountSpecified: -(buy ? order.buyWei : order.sellCoins),
              sqrtPriceLimitX96: buy ? MIN_SQRT_PRICE_PLUS_ONE : MAX_SQRT_PRICE_MINUS_ONE,
            },
            { takeClaims: false, settleUsingBurn: false },
            '0x',
          ],
          value: buy ? order.buyWei : 0n,
        }),
      );
    },
    async transfer(from: DevnetAccount, coin: Address, to: Address, amount: bigint) {
      return mined(
        await wallet(from).writeContract({
          address: coin,
          abi: erc20Abi,
          functionName: 'transfer',
          args: [to, amount],
        }),
      );
    },
    balanceOf(coin: Address, owner: Address) {
      return publicClient.readContract({ address: coin, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });
    },
  };
}

/** Make `castHash` a performance in `db` and record `coin` as its coin, as confirm_coin would. */
export async function registerCoin(db: TestDatabase, castHash: string, fid: number, coin: DevCoin): Promise<void> {
  const app = testApp(db);
  const res = await app.deliver(performanceCast(castHash, user(fid)));
  if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  await app.drainer.drain();
  await db.sql.query(
    `insert into public.performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash, block_number,
       pool_id, pool_key)
     select p.id, $2, 8453, 'DEV', 'Dev coin', $3, $4, $5, $6::jsonb from public.performances p where p.cast_hash = $1`,
    [
      castHash,
      coin.coin.toLowerCase(),
      coin.txHash.toLowerCase(),
      Number(coin.blockNumber),
      coin.poolId,
      JSON.stringify(coin.key),
    ],
  );
}
