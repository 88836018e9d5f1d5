import { Hono } from 'hono';
import { z } from 'zod';
import { BadRequestError } from '../errors.ts';
import { clientRateKey, enforceRateLimit } from '../http/createRateLimiter.ts';
import { readLimitedJson } from '../http/readLimitedBody.ts';
import { BUY_BODY_LIMIT, type ClientAddress } from './buyRoute.ts';
import { type PrepareSellDeps, prepareSell } from './prepareSell.ts';

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});
const decimalText = (what: string) =>
  z
    .union([z.string().max(64, 'is too long'), z.number()], { error: `must be ${what}` })
    .transform((v) => String(v))
    .optional();

/** `POST /api/tx/sell` body: exactly one of `amount` (whole coins) or `fraction` (of the balance); `slippage` may only
 * tighten the configured BUY_SLIPPAGE. */
function sellBodySchema(maxSlippage: number) {
  return z.object(
    {
      castHash: z
        .string(required('a string'))
        .regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x followed by 40 hex digits')
        .transform((s) => s.toLowerCase()),
      seller: z
        .string(required('a string'))
        .regex(/^0x[0-9a-fA-F]{40}$/, 'must be an address (0x followed by 40 hex digits)')
        .transform((s) => s.toLowerCase() as `0x${string}`),
      amount: decimalText('a decimal coin amount such as "12.5"'),
      fraction: decimalText('a fraction of the balance such as 0.5'),
      slippage: z
        .number({ error: 'must be a number' })
        .min(0, `must be between 0 and ${maxSlippage}`)
        .max(maxSlippage, `must be between 0 and ${maxSlippage}`)
        .optional(),
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
    const parsed = schema.safeParse(await readLimitedJson(c.req.raw, BUY_BODY_LIMIT));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || 'body';
      throw new BadRequestError(`${field}: ${issue?.message ?? 'is invalid'}`.slice(0, 200));
    }
    const sell = await prepareSell(parsed.data, deps);
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
