import { describe, expect, it } from 'vitest';
import { framesConfigSchema } from './types.ts';

const valid = {
  publicUrl: 'https://gigavibe.example',
  chainId: 8453,
  buyBounds: { min: '0.0001', max: '1', default: '0.001' },
  maxAgeSeconds: 600,
  stateSecret: 'x'.repeat(32),
};

describe('framesConfigSchema', () => {
  it('accepts a bare origin and fills the defaults', () => {
    expect(framesConfigSchema.parse(valid)).toMatchObject({ imageCacheBytes: 32 * 1024 * 1024, imageDataTtlMs: 1000 });
    expect(framesConfigSchema.parse({ ...valid, publicUrl: 'http://localhost:8787/' }).publicUrl).toBe(
      'http://localhost:8787/',
    );
  });

  it('refuses a public URL with a path, another scheme, or an origin too long for 256-byte frame URLs', () => {
    for (const publicUrl of [
      'https://gigavibe.example/app',
      'ftp://gigavibe.example',
      `https://${'a'.repeat(60)}.example`,
    ]) {
      expect(framesConfigSchema.safeParse({ ...valid, publicUrl }).success).toBe(false);
    }
  });

  it('refuses a default amount outside the bounds and a short state secret', () => {
    expect(framesConfigSchema.safeParse({ ...valid, buyBounds: { ...valid.buyBounds, default: '2' } }).success).toBe(
      false,
    );
    expect(framesConfigSchema.safeParse({ ...valid, stateSecret: 'short' }).success).toBe(false);
  });
});
