/** A ticker symbol for a performance's coin, derived from its title: Latin letters and digits only (accents
 * folded), uppercase, 3 to 8 characters; the initials of a multi-word title when it has at least three words,
 * else the leading characters; titles with too few usable characters fall back to GV + the cast hash. Pure. */
export function deriveCoinSymbol(title: string, castHash: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w.length > 0);
  const initials = words.map((w) => w[0]).join('');
  const joined = words.join('');
  const symbol = words.length >= 3 ? initials.slice(0, 8) : joined.slice(0, 8);
  if (symbol.length >= 3) return symbol;
  return `GV${castHash.slice(2, 8).toUpperCase()}`;
}
