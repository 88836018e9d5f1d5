const WEI = 10n ** 18n;

/** 1234 → "1,234", 15300 → "15.3K": counts that fit a card. */
export function formatCount(value: number): string {
  if (value < 10_000) return value.toLocaleString('en-US');
  if (value < 1_000_000) return `${trim((value / 1000).toFixed(1))}K`;
  return `${trim((value / 1_000_000).toFixed(1))}M`;
}

const trim = (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);

/** A decimal amount of `10^-decimals` units as a number, exact to ~15 significant digits (for display only). */
function toNumber(units: bigint, decimals = 18): number {
  const scale = 10n ** BigInt(decimals);
  const whole = units / scale;
  const fraction = units % scale;
  return Number(whole) + Number(fraction) / Number(scale);
}

/** A decimal string of wei (or null) → "0.0123 ETH", "0.0₈12 ETH" for dust, "—" when unknown; `digits` significant
 * digits below 1,000 (4 unless a caller needs to tell close prices apart, as the price chart does). */
export function formatEth(wei: string | bigint | null | undefined, unit = ' ETH', digits = 4): string {
  if (wei === null || wei === undefined || wei === '') return '—';
  let value: bigint;
  try {
    value = typeof wei === 'bigint' ? wei : BigInt(wei);
  } catch {
    return '—';
  }
  const negative = value < 0n;
  const number = toNumber(negative ? -value : value);
  return `${negative ? '−' : ''}${formatSignificant(number, digits)}${unit}`;
}

/** ETH given as a decimal string ("0.000000012") rather than wei. */
export function formatEthDecimal(eth: string | null | undefined): string {
  if (eth === null || eth === undefined || !/^\d+(\.\d+)?$/.test(eth)) return '—';
  return `${formatSignificant(Number(eth))} ETH`;
}

function formatSignificant(number: number, digits = 4): string {
  if (number === 0) return '0';
  if (number >= 1000) return number.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (number >= 0.0001) return trim(number.toPrecision(digits));
  return dust(number, digits);
}

const SUBSCRIPT = '₀₁₂₃₄₅₆₇₈₉';

/** A tiny amount with its zeros counted, as price screens write it: 0.00000001234 → "0.0₇1234" (seven zeros after
 * the point, then four significant digits, or `significant`). */
function dust(number: number, significant = 4): string {
  const [mantissa = '0', exponent = '0'] = number.toExponential(significant - 1).split('e');
  const zeros = -Number(exponent) - 1;
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  const count = String(zeros).replace(/\d/g, (d) => SUBSCRIPT[Number(d)] ?? d);
  return `0.0${count}${digits}`;
}

/** Whole coins from base units (18 decimals): "1,234.5". */
export function formatCoins(units: bigint | string): string {
  const number = toNumber(typeof units === 'bigint' ? units : BigInt(units));
  if (number >= 1000) return number.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return formatSignificant(number);
}

/** A 24 h change in percent (the indexer's `change24h`: "12.5000", or a number) as a signed percent. */
export function formatChange(change: number | string | null | undefined): { text: string; sign: -1 | 0 | 1 } | null {
  if (change === null || change === undefined || change === '') return null;
  const value = Number(change);
  if (!Number.isFinite(value)) return null;
  // Signed only when the shown digit moves: -0.03 % reads "0.0%", not "−0.0%".
  const shown = Math.abs(value).toFixed(1);
  const sign = shown === '0.0' ? 0 : value > 0 ? 1 : -1;
  return { text: `${sign > 0 ? '+' : sign < 0 ? '−' : ''}${shown}%`, sign };
}

/** Parse a decimal ETH amount typed by a user; null unless it is a plain positive decimal. */
export function parseEthInput(text: string): string | null {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(trimmed) || trimmed.length > 24) return null;
  const normalized = trimmed.startsWith('.') ? `0${trimmed}` : trimmed.replace(/\.$/, '');
  return Number(normalized) > 0 ? normalized : null;
}

/** Wei per whole coin as ETH: a coin's price from the market (priceWei) or the performance route (priceEth). */
export function ethPerCoin(coin: { priceEth?: string | null; market?: { priceWei?: string | null } | null }): string {
  const wei = coin.market?.priceWei;
  if (wei !== null && wei !== undefined && wei !== '') return formatEth(wei);
  return formatEthDecimal(coin.priceEth);
}

export const weiToNumber = (wei: string) => toNumber(BigInt(wei));
export { WEI };

/** "3 h ago" from an ISO time. */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** An http(s) URL from cast data, or null: never a `javascript:` or `data:` URL in a link, image or player. */
export function safeUrl(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}
