import type { AccountAssociation } from './parseAccountAssociation.ts';

/** What the manifest says about the app (names and colours from configuration, image URLs already versioned). */
export interface ManifestInput {
  publicUrl: string;
  name: string;
  splashBackgroundColor: string;
  chainId: number;
  images: { icon: string; splash: string; hero: string };
  accountAssociation: AccountAssociation | null;
}

/** Fixed texts of the listing, within the schema's limits (subtitle, tagline and ogTitle 30, description 170,
 * ogDescription 100, at most 5 tags of 20 characters without spaces; no emoji or special characters). */
export const LISTING = {
  subtitle: 'Music coins from live sets',
  description:
    'Listen to music performances cast on Farcaster, watch their likes and recasts live, and buy the coin of the ones that go viral.',
  tagline: 'Back the sound you love',
  ogDescription: 'Live music performances on Farcaster and the coins of the ones that go viral.',
  tags: ['music', 'live', 'coins', 'artists', 'base'],
} as const;

/** Where the app starts, and its deep links. */
export const appUrls = (publicUrl: string) => ({
  home: `${publicUrl}/app`,
  performance: (castHash: string) => `${publicUrl}/app/p/${castHash}`,
  share: (castHash: string) => `${publicUrl}/p/${castHash}`,
  webhook: `${publicUrl}/webhooks/miniapp`,
});

/** The domain manifest served at /.well-known/farcaster.json: `{ accountAssociation, miniapp }` (the association only
 * when configured). Pure. https://miniapps.farcaster.xyz/docs/specification#manifest */
export function buildManifest(input: ManifestInput): Record<string, unknown> {
  const urls = appUrls(input.publicUrl);
  const miniapp = {
    version: '1',
    name: input.name,
    iconUrl: input.images.icon,
    homeUrl: urls.home,
    splashImageUrl: input.images.splash,
    splashBackgroundColor: input.splashBackgroundColor,
    webhookUrl: urls.webhook,
    subtitle: LISTING.subtitle,
    description: LISTING.description,
    primaryCategory: 'music',
    tags: [...LISTING.tags],
    heroImageUrl: input.images.hero,
    tagline: LISTING.tagline,
    ogTitle: input.name.slice(0, 30),
    ogDescription: LISTING.ogDescription,
    ogImageUrl: input.images.hero,
    requiredChains: [`eip155:${input.chainId}`],
  };
  return input.accountAssociation === null ? { miniapp } : { accountAssociation: input.accountAssociation, miniapp };
}
