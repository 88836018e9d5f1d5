import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';

const address = z.string().regex(/^0x[0-9a-f]{40}$/);
const raw = z.string().regex(/^\d+$/).transform(BigInt);

/** A coin the portfolio's addresses touched, with its performance and their own swaps (public.get_portfolio_coins). */
export const portfolioCoinSchema = z.object({
  coinAddress: address,
  symbol: z.string(),
  poolId: z.string().nullable(),
  poolKey: z.unknown().nullable(),
  castHash: z.string(),
  title: z.string(),
  artist: z.object({ fid: z.number(), username: z.string().nullable(), displayName: z.string().nullable() }),
  trades: z.array(z.object({ side: z.enum(['buy', 'sell']), coinAmount: raw, ethAmount: raw })),
});
export type PortfolioCoin = z.infer<typeof portfolioCoinSchema>;

/** Portfolio reads: the coins a set of addresses touched as the indexer saw them, and a fid's verified addresses. */
export interface PortfolioStore {
  /** Coins the addresses received, hold or traded (coin_transfers, coin_balances, coin_trades) on `chainId`. */
  getPortfolioCoins(chainId: number, addresses: readonly string[]): Promise<PortfolioCoin[]>;
  /** The fid's verified Ethereum addresses from the identity bridge; null when the fid is unknown. */
  getFidAddresses(fid: number): Promise<string[] | null>;
}

/** The portfolio store over any Rpc adapter; results are validated. */
export function createPortfolioStore(rpc: Rpc): PortfolioStore {
  return {
    async getPortfolioCoins(chainId, addresses) {
      return z
        .array(portfolioCoinSchema)
        .parse(await rpc.call('get_portfolio_coins', { p_chain_id: chainId, p_addresses: addresses }));
    },
    async getFidAddresses(fid) {
      return z
        .array(address)
        .nullable()
        .parse(await rpc.call('get_fid_addresses', { p_fid: fid }));
    },
  };
}
