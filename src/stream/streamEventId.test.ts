import { describe, expect, it } from 'vitest';
import { formatStreamEventId, parseStreamEventId } from './streamEventId.ts';

describe('formatStreamEventId / parseStreamEventId', () => {
  it('round-trips a position', () => {
    const position = { epoch: '0a1b2c3d4e5f', seq: 123456, at: 1_796_000_000_123 };
    const id = formatStreamEventId(position);
    expect(id).toMatch(/^[0-9a-z-]+$/);
    expect(parseStreamEventId(id)).toEqual(position);
  });

  it('answers null for anything this server did not write, without throwing', () => {
    const hostile = [
      undefined,
      null,
      '',
      'abc',
      '0a1b2c3d-1',
      '0a1b2c3d-x-1',
      `0a1b2c3d-${'9'.repeat(16)}-1`,
      `0a1b2c3d-1-${'z'.repeat(12)}`,
      'ABCD1234-1-1',
      `${'a'.repeat(17)}-1-1`,
      'a'.repeat(100_000),
      '0a1b2c3d-1-1\nevent: reset',
    ];
    for (const value of hostile) expect(parseStreamEventId(value)).toBeNull();
  });
});
