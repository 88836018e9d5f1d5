import { type Address, encodePacked, erc20Abi, hexToBigInt, keccak256, type PublicClient, parseAbi } from 'viem';
import { UnavailableError } from '../errors.ts';

/** What the chain says at one block: each (coin, holder) balance and each pool's sqrtPriceX96 (0 when unknown). */
export interface Holdings {
  blockNumber: bigint;
  /** Keyed `${coin}:${holder}` (lower case). */
  balances: Map<string, bigint>;
  /** Keyed by pool id (lower case). */
  sqrtPrices: Map<string, bigint>;
}

/** Reads balances and pool prices at one block. */
export type HoldingsReader = (args: {
  coins: readonly `0x${string}`[];
  holders: readonly `0x${string}`[];
  poolIds: readonly `0x${string}`[];
}) => Promise<Holdings>;

const extsloadAbi = parseAbi(['function extsload(bytes32[] slots) view returns (bytes32[])']);
/** v4-core PoolManager keeps `mapping(PoolId => Pool.State) _pools` at slot 6; a pool's slot0 is its first word. */
const POOLS_SLOT = 6n;
const SQRT_PRICE_MASK = (1n << 160n) - 1n;
/** Multicall3's canonical address (the same on Base, Base Sepolia and the devnet). Passed explicitly: viem's chain
 * definition would refuse blocks before Multicall3's deployment block, which a young devnet has not reached. */
export const MULTICALL3: Address = '0xcA11bde05977b3631167028862bE2a173976CA11';

/** A HoldingsReader over Multicall3: the block number first, then every `balanceOf(holder)` of every coin and every
 * pool's slot0 (one `PoolManager.extsload(bytes32[])`, the slots v4-core's StateLibrary reads) in one `aggregate3`
 * eth_call at that block,
 * so the balances and prices of one answer are all from the same block. A failing call (not a token, no pool) reads
 * as 0; a chain that does not answer is UnavailableError (503). https://github.com/mds1/multicall */
export function createHoldingsReader(options: {
  publicClient: Pick<PublicClient, 'getBlockNumber' | 'multicall'>;
  poolManager: Address;
  multicallAddress?: Address;
}): HoldingsReader {
  return async ({ coins, holders, poolIds }) => {
    try {
      const blockNumber = await options.publicClient.getBlockNumber({ cacheTime: 0 });
      const pairs = coins.flatMap((coin) => holders.map((holder) => [coin, holder] as const));
      const contracts = [
        ...pairs.map(([coin, holder]) => ({
          address: coin,
          abi: erc20Abi,
          functionName: 'balanceOf' as const,
          args: [holder] as const,
        })),
        // Every pool's slot0 in one call: v4's PoolManager reads a list of slots at once (Extsload.sol).
        ...(poolIds.length === 0
          ? []
          : [
              {
                address: options.poolManager,
                abi: extsloadAbi,
                functionName: 'extsload' as const,
                args: [poolIds.map((poolId) => keccak256(encodePacked(['bytes32', 'uint256'], [poolId, POOLS_SLOT])))],
              },
            ]),
      ];
      // One eth_call however many coins: batchSize is Multicall3 calldata per chunk, and 1,000 calls take ~70 KB.
      const results =
        contracts.length === 0
          ? []
          : await options.publicClient.multicall({
              contracts,
              blockNumber,
              allowFailure: true,
              batchSize: 1_000_000,
              multicallAddress: options.multicallAddress ?? MULTICALL3,
            });
      const balances = new Map<string, bigint>();
      pairs.forEach(([coin, holder], i) => {
        const result = results[i];
        balances.set(`${coin}:${holder}`, result?.status === 'success' ? (result.result as bigint) : 0n);
      });
      const sqrtPrices = new Map<string, bigint>();
      const slots = results[pairs.length];
      const words = slots?.status === 'success' ? (slots.result as readonly `0x${string}`[]) : [];
      poolIds.forEach((poolId, i) => {
        const word = words[i];
        sqrtPrices.set(poolId, word === undefined ? 0n : hexToBigInt(word) & SQRT_PRICE_MASK);
      });
      return { blockNumber, balances, sqrtPrices };
    } catch (error) {
      throw new UnavailableError('Chain unavailable; try again shortly', error, 5);
    }
  };
}
