import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { clientRateKey, enforceRateLimit } from '../http/createRateLimiter.ts';
import { type PrepareBuyDeps, prepareBuy } from './prepareBuy.ts';
import { readTradeBody } from './readTradeBody.ts';
import { tradeBodyFields } from './tradeBodyFields.ts';

/** Largest accepted request body: a buy request is a few hundred bytes. */
export const BUY_BODY_LIMIT = 16 * 1024;

/** `POST /api/tx/buy` body; `slippage` may only tighten the configured BUY_SLIPPAGE. */
function buyBodySchema(maxSlippage: number) {
  const field = tradeBodyFields(maxSlippage);
  return z.object(
    {
      castHash: field.castHash,
      buyer: field.trader,
      amountEth: field.decimalText('a decimal ETH amount such as "0.01"'),
      slippage: field.slippage,
    },
    { error: 'must be a JSON object' },
  );
}
export type BuyRequestBody = z.infer<ReturnType<typeof buyBodySchema>>;

/** The connecting client's network address, as the host knows it (Node: the socket's peer; Workers: the
 * `cf-connecting-ip` header Cloudflare sets). Never a client-supplied header such as X-Forwarded-For. */
export type ClientAddress = (c: Context) => string | undefined;

/** `POST /api/tx/buy` for the mini app and other clients: `{castHash, buyer, amountEth?, slippage?}` -> 200
 * `{chainId, to, data, value, expectedAmountOut, minAmountOut, quoteId, coin}` (amounts as decimal strings), ready
 * for the buyer's wallet (`eth_sendTransaction` with `value` in wei). Refusals are typed errors: 400 bad field (named),
 * 404 unknown performance, 409 no coin / just launched / simulation failed, 413 body over 16 KiB, 422 liquidity,
 * 503 + Retry-After when Zora or the database is unavailable, 429 + Retry-After past the client's (`clientAddress`) or
 * the buyer's request budget (deps.limits). Without `clientAddress` every client shares one budget. */
export function buyRoute(deps: PrepareBuyDeps, options: { clientAddress?: ClientAddress | undefined } = {}): Hono {
  const schema = buyBodySchema(deps.slippage);
  const app = new Hono();
  app.post('/', async (c) => {
    // Before the body is read: an anonymous request costs us a Zora quote (our API key), a simulation and a row.
    enforceRateLimit(deps.limits?.client, 'buy requests', [`client:${clientRateKey(options.clientAddress?.(c))}`]);
    const body = await readTradeBody(c.req.raw, BUY_BODY_LIMIT, schema);
    const buy = await prepareBuy(
      {
        castHash: body.castHash,
        buyer: body.buyer,
        amountText: body.amountEth,
        slippage: body.slippage,
        fid: null,
        source: 'api',
      },
      deps,
    );
    return c.json({
      chainId: buy.chainId,
      to: buy.to,
      data: buy.data,
      value: buy.value.toString(),
      expectedAmountOut: buy.expectedAmountOut.toString(),
      minAmountOut: buy.minAmountOut.toString(),
      quoteId: buy.quoteId,
      coin: buy.coin,
    });
  });
  return app;
}
