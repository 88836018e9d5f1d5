import { describe, expect, it } from 'vitest';
import { parseStreamQuery, STREAM_LIMITS } from './parseStreamQuery.ts';

const coin = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const tx = `0x${'Ab'.repeat(32)}`;

describe('parseStreamQuery', () => {
  it('reads comma-separated subjects, lowercased and without duplicates', () => {
    const parsed = parseStreamQuery({
      coins: [`${coin(1)},${coin(1).toUpperCase().replace('0X', '0x')},${coin(2)}`],
      performances: [coin(3)],
      trades: [tx],
    });
    expect(parsed).toEqual({
      ok: true,
      subscription: { coins: [coin(1), coin(2)], performances: [coin(3)], trades: [tx.toLowerCase()] },
    });
  });

  it('refuses a query naming nothing, an unknown or repeated parameter, and malformed subjects', () => {
    const refused: Record<string, string[]>[] = [
      {},
      { coins: [''] },
      { coins: [`${coin(1)},`] },
      { coins: [coin(1), coin(2)] },
      { coins: [coin(1)], callback: ['x'] },
      { performances: [tx] },
      { trades: [coin(1)] },
      { coins: [` ${coin(1)}`] },
      { coins: [`${coin(1)}\n`] },
    ];
    for (const query of refused) expect(parseStreamQuery(query).ok, JSON.stringify(query)).toBe(false);
  });

  it('bounds each list, and a huge parameter is refused before it is split', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => coin(i)).join(',');
    expect(parseStreamQuery({ coins: [many(STREAM_LIMITS.coins)] }).ok).toBe(true);
    expect(parseStreamQuery({ coins: [many(STREAM_LIMITS.coins + 1)] })).toEqual({
      ok: false,
      error: `coins: at most ${STREAM_LIMITS.coins}`,
    });
    expect(parseStreamQuery({ trades: [','.repeat(1_000_000)] }).ok).toBe(false);
  });

  it('never echoes more than a short piece of a hostile parameter name', () => {
    const parsed = parseStreamQuery({ ['x'.repeat(10_000)]: ['1'], coins: [coin(1)] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.length).toBeLessThan(100);
  });
});
