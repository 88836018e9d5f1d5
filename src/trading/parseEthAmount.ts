import { formatEther, parseEther } from 'viem';

/** Inclusive bounds and the default of a buy, as exact decimal ETH strings (BUY_MIN_ETH, BUY_MAX_ETH, BUY_DEFAULT_ETH). */
export interface EthAmountBounds {
  min: string;
  max: string;
  default: string;
}

/** The outcome of parsing a typed ETH amount: exact wei, or a message short enough for a frame (≤ 90 chars). */
export type ParsedEthAmount = { ok: true; wei: bigint } | { ok: false; message: string };

/** Digits with an optional fraction (or a bare fraction), then an optional ` eth` unit; nothing else. */
const AMOUNT = /^(?<number>\d+(?:\.\d+)?|\.\d+)(?: ?eth)?$/i;
/** Longer input cannot be a sensible amount; refusing it early keeps the bigint math small. */
const MAX_LENGTH = 48;

/** Parse what a user typed as an ETH amount (frame text input or API field) into exact wei with viem's parseEther:
 * trimmed, empty means the default, at most 18 decimals, no sign, exponent, hex, grouping or inner whitespace, and
 * within the configured bounds (0 never is). Pure. */
export function parseEthAmount(text: string | undefined, bounds: EthAmountBounds): ParsedEthAmount {
  const range = () => ({
    ok: false as const,
    message: `Enter an ETH amount between ${normalise(bounds.min)} and ${normalise(bounds.max)}`.slice(0, 90),
  });
  const trimmed = (text ?? '').trim();
  const candidate = trimmed === '' ? bounds.default : trimmed;
  if (candidate.length > MAX_LENGTH) return range();
  const number = AMOUNT.exec(candidate)?.groups?.number;
  if (number === undefined) return { ok: false, message: 'Enter an ETH amount such as 0.01' };
  const fraction = number.split('.')[1] ?? '';
  if (fraction.length > 18) return { ok: false, message: 'Use at most 18 decimal places' };
  const wei = parseEther(number.startsWith('.') ? `0${number}` : number);
  if (wei <= 0n || wei < parseEther(bounds.min) || wei > parseEther(bounds.max)) return range();
  return { ok: true, wei };
}

function normalise(amount: string): string {
  const trimmed = amount.trim();
  return formatEther(parseEther(trimmed.startsWith('.') ? `0${trimmed}` : trimmed));
}
