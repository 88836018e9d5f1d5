import { domainManifestSchema, domainMiniAppConfigSchema } from '@farcaster/miniapp-core';
import { describe, expect, it } from 'vitest';
import { buildManifest, LISTING } from './buildManifest.ts';

const input = {
  publicUrl: 'https://app.example.com',
  name: 'GigaVibe',
  splashBackgroundColor: '#120f24',
  chainId: 84532,
  images: {
    icon: 'https://app.example.com/i.png',
    splash: 'https://app.example.com/s.png',
    hero: 'https://app.example.com/h.png',
  },
  accountAssociation: { header: 'aGVhZA', payload: 'cGF5', signature: 'c2ln' },
};

describe('buildManifest', () => {
  it('is valid under the schema, with the association when given and the miniapp key always', () => {
    const manifest = buildManifest(input);
    expect(domainManifestSchema.safeParse(manifest).success).toBe(true);
    expect(manifest.accountAssociation).toEqual(input.accountAssociation);
    const bare = buildManifest({ ...input, accountAssociation: null });
    expect('accountAssociation' in bare).toBe(false);
    expect(domainMiniAppConfigSchema.safeParse(bare.miniapp).success).toBe(true);
    expect(bare.miniapp).toMatchObject({ requiredChains: ['eip155:84532'], homeUrl: 'https://app.example.com/app' });
  });

  it('keeps the listing texts within the schema limits', () => {
    expect(LISTING.subtitle.length).toBeLessThanOrEqual(30);
    expect(LISTING.tagline.length).toBeLessThanOrEqual(30);
    expect(LISTING.description.length).toBeLessThanOrEqual(170);
    expect(LISTING.ogDescription.length).toBeLessThanOrEqual(100);
    expect(LISTING.tags.length).toBeLessThanOrEqual(5);
    for (const tag of LISTING.tags) expect(tag).toMatch(/^[a-z0-9-]{1,20}$/);
  });
});
