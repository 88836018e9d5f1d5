import { parseUnits } from 'viem';

/** How much of a coin to sell, as the client asked: an exact amount (raw units), or a share of the balance in basis
 * points (10,000 = all of it), resolved once the balance is read. */
export type SellAmount = { kind: 'amount'; raw: bigint } | { kind: 'fraction'; bps: bigint };

/** The outcome of parsing a sell's `amount` or `fraction`; `message` is short and names the field. */
export type ParsedSellAmount = { ok: true; amount: SellAmount } | { ok: false; message: string };

const DECIMAL = /^(?:\d{1,30}(?:\.\d{1,18})?|\.\d{1,18})$/;
const FRACTION = /^(?:0?\.\d{1,4}|1(?:\.0{1,4})?|0\.0{0,4})$/;

/** Parse exactly one of `amount` (whole coins as a decimal string, 18 decimals at most: "12.5") or `fraction` (a share
 * of the balance in (0, 1] with at most 4 decimals: "0.25", 1); signs, exponents, hex and grouping are refused. Pure. */
export function parseSellAmount(input: {
  amount?: string | undefined;
  fraction?: string | undefined;
}): ParsedSellAmount {
  const { amount, fraction } = input;
  if ((amount === undefined) === (fraction === undefined)) {
    return { ok: false, message: 'send exactly one of amount (coins) or fraction (of the balance)' };
  }
  if (amount !== undefined) {
    const text = amount.trim();
    if (!DECIMAL.test(text)) return { ok: false, message: 'amount: must be a decimal coin amount such as "12.5"' };
    const raw = parseUnits(text.startsWith('.') ? `0${text}` : text, 18);
    if (raw <= 0n) return { ok: false, message: 'amount: must be more than 0' };
    return { ok: true, amount: { kind: 'amount', raw } };
  }
  const text = (fraction ?? '').trim();
  if (!FRACTION.test(text))
    return { ok: false, message: 'fraction: must be a number in (0, 1] with at most 4 decimals' };
  const bps = parseUnits(text.startsWith('.') ? `0${text}` : text, 4);
  if (bps <= 0n || bps > 10_000n)
    return { ok: false, message: 'fraction: must be a number in (0, 1] with at most 4 decimals' };
  return { ok: true, amount: { kind: 'fraction', bps } };
}

/** The raw units a parsed amount sells of a balance: the amount itself, or the share of the balance rounded down
 * (a fraction of 1 is exactly the balance). Pure. */
export function resolveSellAmount(amount: SellAmount, balance: bigint): bigint {
  return amount.kind === 'amount' ? amount.raw : (balance * amount.bps) / 10_000n;
}
