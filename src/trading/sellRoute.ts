import { Hono } from 'hono';
import { z } from 'zod';
import { clientRateKey, enforceRateLimit } from '../http/createRateLimiter.ts';
import { BUY_BODY_LIMIT, type ClientAddress } from './buyRoute.ts';
import { type PrepareSellDeps, prepareSell } from './prepareSell.ts';
import { readTradeBody } from './readTradeBody.ts';
import { tradeBodyFields } from './tradeBodyFields.ts';

/** `POST /api/tx/sell` body: exactly one of `amount` (whole coins) or `fraction` (of the balance); `slippage` may only
 * tighten the configured BUY_SLIPPAGE. */
function sellBodySchema(maxSlippage: number) {
  const field = tradeBodyFields(maxSlippage);
  return z.object(
    {
      castHash: field.castHash,
      seller: field.trader,
      amount: field.decimalText('a decimal coin amount such as "12.5"'),
      fraction: field.decimalText('a fraction of the balance such as 0.5'),
      slippage: field.slippage,
    },
    { error: 'must be a JSON object' },
  );
}

/** `POST /api/tx/sell` for the mini app: `{castHash, seller, amount | fraction, slippage?}` -> 200 `{chainId,
 * transactions: [...approvals, sell], amountIn, balance, expectedEthOut, minEthOut, quoteId, coin}` (amounts as decimal
 * strings; each transaction `{kind, to, data, value}` for `eth_sendTransaction`, in order). Refusals as for buys: 400
 * bad field, 404 unknown performance, 409 no coin / just launched / holds less than asked / not enough ETH for gas /
 * would revert, 413, 422 liquidity or Zora refusing, 429 budgets (the buy's), 502 a quote we refuse to pass on, 503
 * Zora, the chain or the database unavailable. */
export function sellRoute(deps: PrepareSellDeps, options: { clientAddress?: ClientAddress | undefined } = {}): Hono {
  const schema = sellBodySchema(deps.slippage);
  const app = new Hono();
  app.post('/', async (c) => {
    enforceRateLimit(deps.limits?.client, 'trade requests', [`client:${clientRateKey(options.clientAddress?.(c))}`]);
    const sell = await prepareSell(await readTradeBody(c.req.raw, BUY_BODY_LIMIT, schema), deps);
    const wire = (tx: { to: string; data: string }, kind: string) => ({ kind, to: tx.to, data: tx.data, value: '0' });
    return c.json({
      chainId: sell.chainId,
      transactions: [...sell.approvals.map((a) => wire(a, a.kind)), wire(sell, 'sell')],
      amountIn: sell.amountIn.toString(),
      balance: sell.balance.toString(),
      expectedEthOut: sell.expectedEthOut.toString(),
      minEthOut: sell.minEthOut.toString(),
      quoteId: sell.quoteId,
      coin: sell.coin,
    });
  });
  return app;
}
