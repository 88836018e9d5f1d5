import { Hono } from 'hono';
import { keccak256 } from 'viem';
import { z } from 'zod';
import { BadRequestError, UnavailableError } from '../errors.ts';
import type { AddressCheck } from '../farcaster/createHubVerificationCheck.ts';
import { UnverifiedAddressError } from '../farcaster/errors.ts';
import { clientRateKey, enforceRateLimit, type RateLimiter } from '../http/createRateLimiter.ts';
import { databaseCall } from '../http/databaseCall.ts';
import { readLimitedJson } from '../http/readLimitedBody.ts';
import type { ClientAddress } from './buyRoute.ts';
import type { TradingStore } from './createTradingStore.ts';
import type { TransactionFetcher } from './createTransactionFetcher.ts';
import {
  NoCoinError,
  TooManyPendingTradesError,
  TradeReportedByOtherFidError,
  TransactionNotSeenError,
  UnknownPerformanceError,
} from './errors.ts';

/** Who is calling, from the request's Farcaster Quick Auth token; throws a BaseError with status 401 (for example
 * UnauthenticatedError) when there is no valid token. Injected: the lead wires the Quick Auth verifier. */
export type Authenticate = (request: Request) => Promise<{ fid: number }>;

/** A report is a transaction hash and a few words. */
export const REPORT_BODY_LIMIT = 4 * 1024;

const reportBodySchema = z.object(
  {
    txHash: z
      .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') })
      .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits')
      .transform((s) => s.toLowerCase() as `0x${string}`),
    castHash: z
      .string({ error: 'must be a string' })
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x followed by 40 hex digits')
      .transform((s) => s.toLowerCase())
      .optional(),
    side: z.enum(['buy', 'sell'], { error: 'must be "buy" or "sell"' }),
  },
  { error: 'must be a JSON object' },
);

/** What the report route needs. */
export interface ReportTradeDeps {
  store: Pick<TradingStore, 'getBuyTarget' | 'recordPendingTrade' | 'isAddressOfFid' | 'findQuotedCoin'>;
  chainId: number;
  authenticate: Authenticate;
  /** The fid's verified addresses beyond the identity bridge (the hub check the frames use). */
  checkAddress: AddressCheck;
  /** The chain's copy of the reported transaction; unset (no chain RPC): reports answer 503. */
  fetchTransaction: TransactionFetcher | undefined;
  /** Per-client budget (the buy route's BUY_RATE_PER_MINUTE limiter); unset: unlimited. */
  limiter?: RateLimiter | undefined;
  clientAddress?: ClientAddress | undefined;
}

/** `POST /api/trades` for the mini app: `{txHash, castHash?, side}` with a Quick Auth token -> 200 `{chainId, txHash,
 * side, status, trader, coinAddress, created}` once the trade is recorded as pending (the confirmer settles it). The
 * trader is the transaction's sender as the chain reports it, never a client field, and must be one of the fid's
 * verified addresses (identity bridge, then the hub): 403 otherwise. The coin is the cast's, or without `castHash`
 * the coin we quoted that exact calldata for (400 when we never did). 401 no valid token; 409 a hash the chain has
 * never seen, a cast without a coin, or a report another fid owns; 429 over the client budget or past 5 unconfirmed
 * reports per fid or per address; 503 chain or database unavailable. */
export function reportTradeRoute(deps: ReportTradeDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    enforceRateLimit(deps.limiter, 'trade reports', [`client:${clientRateKey(deps.clientAddress?.(c))}`]);
    const { fid } = await deps.authenticate(c.req.raw);
    const parsed = reportBodySchema.safeParse(await readLimitedJson(c.req.raw, REPORT_BODY_LIMIT));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || 'body';
      throw new BadRequestError(`${field}: ${issue?.message ?? 'is invalid'}`.slice(0, 200));
    }
    const { txHash, castHash, side } = parsed.data;
    if (deps.fetchTransaction === undefined) {
      throw new UnavailableError('Trade reports are not available on this server yet', undefined, 300);
    }
    // Only a transaction the chain knows becomes a pending trade: made-up hashes would each keep the confirmer busy.
    const tx = await deps.fetchTransaction(txHash);
    if (tx === null) throw new TransactionNotSeenError();
    const trader = tx.from;
    if (!(await databaseCall(deps.store.isAddressOfFid(fid, trader))) && !(await deps.checkAddress(fid, trader))) {
      throw new UnverifiedAddressError();
    }
    let coinAddress: string;
    if (castHash !== undefined) {
      const target = await databaseCall(deps.store.getBuyTarget(castHash));
      if (target === null || target.deleted) throw new UnknownPerformanceError();
      if (target.coin === null) throw new NoCoinError();
      coinAddress = target.coin.address;
    } else {
      const quoted = await databaseCall(deps.store.findQuotedCoin(deps.chainId, trader, keccak256(tx.input)));
      if (quoted === null)
        throw new BadRequestError('castHash: is required for a transaction this server did not quote');
      coinAddress = quoted;
    }
    const outcome = await databaseCall(
      deps.store.recordPendingTrade({
        source: 'api',
        side,
        chainId: deps.chainId,
        txHash,
        fid,
        buyer: trader,
        coinAddress,
      }),
    );
    if (!outcome.recorded) {
      throw outcome.reason === 'other_fid' ? new TradeReportedByOtherFidError() : new TooManyPendingTradesError();
    }
    return c.json({
      chainId: deps.chainId,
      txHash: outcome.txHash,
      side: outcome.side,
      status: outcome.status,
      trader: outcome.buyer,
      coinAddress: outcome.coinAddress,
      created: outcome.created,
    });
  });
  return app;
}
