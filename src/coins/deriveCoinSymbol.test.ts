import { describe, expect, it } from 'vitest';
import { deriveCoinSymbol } from './deriveCoinSymbol.ts';

const hash = '0xabcdef0123456789abcdef0123456789abcdef01';

describe('deriveCoinSymbol', () => {
  it.each([
    ['Reality Check (live at the pier)', 'RCLATP'],
    ['Night drive', 'NIGHTDRI'],
    ['Bohème', 'BOHEME'],
    ['Mo', 'GVABCDEF'],
    ['🎸🎸🎸', 'GVABCDEF'],
    ['', 'GVABCDEF'],
    ['one two three four five six seven eight nine ten', 'OTTFFSSE'],
    ['808s & heartbreak', '808SHEAR'],
  ])('%j → %s', (title, symbol) => {
    expect(deriveCoinSymbol(title, hash)).toBe(symbol);
  });

  it('always answers 3 to 8 uppercase letters or digits', () => {
    for (const title of ['a', 'ab c', 'x'.repeat(500), 'Ça va — très bien', '日本語のタイトル']) {
      expect(deriveCoinSymbol(title, hash)).toMatch(/^[A-Z0-9]{3,8}$/);
    }
  });
});
