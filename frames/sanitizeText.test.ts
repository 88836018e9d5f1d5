import { describe, expect, it } from 'vitest';
import { sanitizeText } from './sanitizeText.ts';

const latin = (c: number) => c < 0x250 || c === 0x2026;

describe('sanitizeText', () => {
  it('keeps covered characters, composes to NFC and folds whitespace', () => {
    expect(sanitizeText('  Cafe\u0301 \n\t live  ', latin, 50)).toBe('Café live');
  });

  it('drops emoji, marks, format and control characters and uncovered scripts', () => {
    expect(sanitizeText('🎸 Rock\u200D\u202E 東京 x\u0336\u0337 1\uFE0F\u20E3 🇯🇵 \u0007end', latin, 50)).toBe(
      'Rock x 1 end',
    );
  });

  it('caps the length in code points with an ellipsis', () => {
    expect(sanitizeText('abcdefghij', latin, 5)).toBe('abcd\u2026');
    expect(sanitizeText('abcdefghij', (c) => c < 0x80, 5)).toBe('ab...');
    expect(sanitizeText('abcde', latin, 5)).toBe('abcde');
  });
});
