import { type Context, Hono } from 'hono';
import { BadRequestError, BaseError } from '../errors.ts';
import { clientRateKey, enforceRateLimit, type RateLimiter } from '../http/createRateLimiter.ts';
import { databaseCall } from '../http/databaseCall.ts';
import type { ClientAddress } from '../trading/buyRoute.ts';
import { buildPortfolio, type Portfolio } from './buildPortfolio.ts';
import type { HoldingsReader } from './createHoldingsReader.ts';
import type { PortfolioStore } from './createPortfolioStore.ts';

/** What the portfolio routes need. */
export interface PortfolioDeps {
  store: PortfolioStore;
  chainId: number;
  readHoldings: HoldingsReader;
  /** PORTFOLIO_RATE_PER_MINUTE per client; unset: unlimited. */
  limiter?: RateLimiter | undefined;
  clientAddress?: ClientAddress | undefined;
}

/** At most this many addresses of one fid are read (a Farcaster account verifies a handful; the multicall grows with
 * coins x addresses). */
export const MAX_FID_ADDRESSES = 25;

/** The fid is unknown to the identity bridge. */
export class UnknownFidError extends BaseError {
  override name = 'Portfolio.UnknownFidError';
  constructor() {
    super('Unknown fid', { status: 404 });
  }
}

/** The portfolio of a set of addresses: the coins the indexer saw them touch, balances and prices read on chain at one
 * block (createHoldingsReader), cost basis and P&L from their indexed swaps (buildPortfolio). */
export async function readPortfolio(deps: PortfolioDeps, addresses: readonly `0x${string}`[]): Promise<Portfolio> {
  const coins = await databaseCall(deps.store.getPortfolioCoins(deps.chainId, addresses));
  const poolIds = [
    ...new Set(
      coins.flatMap((c) => (c.poolId && /^0x[0-9a-fA-F]{64}$/.test(c.poolId) ? [c.poolId.toLowerCase()] : [])),
    ),
  ] as `0x${string}`[];
  const holdings = await deps.readHoldings({
    coins: coins.map((c) => c.coinAddress as `0x${string}`),
    holders: addresses,
    poolIds,
  });
  return buildPortfolio(addresses, coins, holdings);
}

/** `GET /api/portfolio/:address` and `GET /api/users/:fid/portfolio` (every verified address of the fid, from the
 * identity bridge): `{addresses, blockNumber, totalValueWei, items}` (see buildPortfolio); 400 bad address or fid, 404
 * unknown fid, 503 chain or database unavailable. Mounted at /api. */
export function portfolioRoutes(deps: PortfolioDeps): Hono {
  const app = new Hono();
  // In each handler, not as `use('*')`: mounted at /api, a wildcard middleware would meter every /api route.
  const limit = (c: Context) =>
    enforceRateLimit(deps.limiter, 'portfolio requests', [`client:${clientRateKey(deps.clientAddress?.(c))}`]);
  app.get('/portfolio/:address', async (c) => {
    limit(c);
    const address = c.req.param('address').toLowerCase();
    if (!/^0x[0-9a-f]{40}$/.test(address)) throw new BadRequestError('address must be 0x followed by 40 hex digits');
    return c.json(await readPortfolio(deps, [address as `0x${string}`]));
  });
  app.get('/users/:fid/portfolio', async (c) => {
    limit(c);
    const text = c.req.param('fid');
    if (!/^[1-9]\d{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new BadRequestError('fid must be a positive integer');
    }
    const addresses = await databaseCall(deps.store.getFidAddresses(Number(text)));
    if (addresses === null) throw new UnknownFidError();
    return c.json(await readPortfolio(deps, addresses.slice(0, MAX_FID_ADDRESSES) as `0x${string}`[]));
  });
  return app;
}
