import {
  type Address,
  encodeAbiParameters,
  encodePacked,
  formatEther,
  hexToBigInt,
  keccak256,
  type PublicClient,
  parseAbi,
  zeroAddress,
} from 'viem';
import { z } from 'zod';

/** A coin as stored (performance_coins): its address, v4 pool id and pool key, either of which may be missing. */
export interface PricedCoin {
  address: string;
  poolId: string | null;
  poolKey: unknown;
}

/** The coin's spot price: ETH per whole coin (decimal, at most 18 places) and the pool's raw sqrtPriceX96. */
export interface CoinPrice {
  ethPerCoin: string;
  sqrtPriceX96: bigint;
}

export interface CoinPriceReaderOptions {
  publicClient: Pick<PublicClient, 'readContract'>;
  /** The Uniswap v4 PoolManager (Base: 0x498581fF718922c3f8e6A244956aF099B2652b2b; the devnet deploys its own). */
  poolManager: Address;
  /** How long a read price is reused per coin. */
  cacheSeconds: number;
  now?: () => number;
}

const extsloadAbi = parseAbi(['function extsload(bytes32 slot) view returns (bytes32)']);
/** v4-core PoolManager keeps `mapping(PoolId => Pool.State) _pools` at storage slot 6; slot0 is its first word. */
const POOLS_SLOT = 6n;
const Q192 = 1n << 192n;
const ONE_COIN = 10n ** 18n;

const poolKeySchema = z.object({
  currency0: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  currency1: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  fee: z.number().int(),
  tickSpacing: z.number().int(),
  hooks: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
});
const poolIdSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

/** Build a display-only price reader for ETH-backed v4 coins: reads slot0 straight from the PoolManager with
 * `extsload(keccak256(abi.encodePacked(poolId, bytes32(6))))` (as v4-core's StateLibrary.getSlot0 does:
 * https://github.com/Uniswap/v4-core/blob/main/src/libraries/StateLibrary.sol), takes sqrtPriceX96 from its low
 * 160 bits, and, ETH being currency0, answers ETH per coin = 2^192 / sqrtPriceX96^2 in exact bigint math. Cached per
 * coin for cacheSeconds (concurrent reads share one request); any failure, a pool that is not ETH/coin, or an
 * uninitialised pool answers null and is not cached. */
export function createCoinPriceReader(
  options: CoinPriceReaderOptions,
): (coin: PricedCoin) => Promise<CoinPrice | null> {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; price: Promise<CoinPrice | null> }>();

  const read = async (coin: PricedCoin): Promise<CoinPrice | null> => {
    const poolId = poolIdOf(coin);
    if (poolId === null) return null;
    const slot = keccak256(encodePacked(['bytes32', 'uint256'], [poolId, POOLS_SLOT]));
    const word = hexToBigInt(
      await options.publicClient.readContract({
        address: options.poolManager,
        abi: extsloadAbi,
        functionName: 'extsload',
        args: [slot],
      }),
    );
    const sqrtPriceX96 = word & ((1n << 160n) - 1n);
    if (sqrtPriceX96 === 0n) return null;
    return { ethPerCoin: formatEther((Q192 * ONE_COIN) / (sqrtPriceX96 * sqrtPriceX96)), sqrtPriceX96 };
  };

  return async (coin) => {
    const key = coin.address.toLowerCase();
    const cached = cache.get(key);
    if (cached !== undefined && now() - cached.at < options.cacheSeconds * 1000) return cached.price;
    const price = read(coin).catch(() => null);
    cache.set(key, { at: now(), price });
    const result = await price;
    if (result === null && cache.get(key)?.price === price) cache.delete(key);
    return result;
  };
}

/** The pool id to read: keccak256(abi.encode(poolKey)) when the key is known (and is an ETH/coin pool), else the
 * stored id; null when neither is usable. */
function poolIdOf(coin: PricedCoin): `0x${string}` | null {
  const key = poolKeySchema.safeParse(coin.poolKey);
  if (key.success) {
    const k = key.data;
    if (k.currency0.toLowerCase() !== zeroAddress || k.currency1.toLowerCase() !== coin.address.toLowerCase()) {
      return null;
    }
    return keccak256(
      encodeAbiParameters(
        [{ type: 'address' }, { type: 'address' }, { type: 'uint24' }, { type: 'int24' }, { type: 'address' }],
        [zeroAddress, k.currency1 as Address, k.fee, k.tickSpacing, k.hooks as Address],
      ),
    );
  }
  const id = poolIdSchema.safeParse(coin.poolId);
  return id.success ? (id.data.toLowerCase() as `0x${string}`) : null;
}
