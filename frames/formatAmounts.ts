/** Short display forms for frame images: counts (`987`, `12.3K`, `4.5M`), ETH amounts from wei or decimal strings
 * (at most 4 significant digits, no exponent notation). Pure; the output uses ASCII digits and letters only, so every
 * bundled font can draw it. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '0';
  if (n < 1000) return String(Math.floor(n));
  const units = [
    { size: 1e9, suffix: 'B' },
    { size: 1e6, suffix: 'M' },
    { size: 1e3, suffix: 'K' },
  ];
  for (const { size, suffix } of units) {
    if (n >= size) {
      const value = n / size;
      const shown = value >= 100 ? Math.floor(value).toString() : (Math.floor(value * 10) / 10).toFixed(1);
      return `${shown.replace(/\.0$/, '')}${suffix}`;
    }
  }
  return String(n);
}

/** A wei amount as ETH with at most 4 significant digits (`0.001`, `1.25`, `0.00001234`). */
export function formatWeiAsEth(wei: bigint): string {
  return formatDecimal(weiToDecimal(wei));
}

/** A non-negative decimal string (e.g. `0.000000012345678901`) with at most 4 significant digits, never in exponent
 * notation; tiny values below 1e-12 show as `<0.000000000001`. Invalid input gives `?`. */
export function formatDecimal(decimal: string): string {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(decimal.trim());
  if (match === null) return '?';
  const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (whole !== '0') {
    if (whole.length >= 4) return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    const decimals = 4 - whole.length;
    return trimFraction(`${whole}.${fraction.slice(0, decimals)}`);
  }
  const leadingZeros = fraction.length - fraction.replace(/^0+/, '').length;
  if (fraction === '') return '0';
  if (leadingZeros >= 12) return '<0.000000000001';
  return trimFraction(`0.${fraction.slice(0, leadingZeros + 4)}`);
}

function trimFraction(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

function weiToDecimal(wei: bigint): string {
  const abs = wei < 0n ? 0n : wei;
  const whole = abs / 10n ** 18n;
  const fraction = (abs % 10n ** 18n).toString().padStart(18, '0');
  return `${whole}.${fraction}`;
}
