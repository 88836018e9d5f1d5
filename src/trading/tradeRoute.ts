import { Hono } from 'hono';
import { BadRequestError, BaseError } from '../errors.ts';
import { databaseCall } from '../http/databaseCall.ts';
import type { TradingStore } from './createTradingStore.ts';

/** `GET /api/trades/:txHash`: a reported buy on this server's chain, pending until the confirmer has read its
 * receipt, then confirmed (with the coins received) or failed (with the reason). Never says which fid reported it. */
export function tradeRoute(store: Pick<TradingStore, 'getTrade'>, chainId: number): Hono {
  const app = new Hono();
  app.get('/:txHash', async (c) => {
    const txHash = c.req.param('txHash').toLowerCase();
    if (!/^0x[0-9a-f]{64}$/.test(txHash)) throw new BadRequestError('txHash must be 0x followed by 64 hex digits');
    const trade = await databaseCall(store.getTrade(chainId, txHash));
    if (trade === null) throw new BaseError('no trade reported with this transaction hash', { status: 404 });
    // Public: what the chain shows anyone holding the hash, plus our status. Not the reporter's fid (that would link a
    // Farcaster account to a wallet) nor our row id.
    const { id: _id, fid: _fid, ...visible } = trade;
    return c.json({ chainId, ...visible });
  });
  return app;
}
