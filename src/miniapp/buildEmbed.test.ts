import { safeParseMiniAppEmbed } from '@farcaster/miniapp-core';
import { describe, expect, it } from 'vitest';
import { buildEmbed } from './buildEmbed.ts';

describe('buildEmbed', () => {
  it('builds a valid fc:miniapp embed and its fc:frame twin that differ only in the action type', () => {
    const { miniapp, frame } = buildEmbed({
      imageUrl: 'https://app.example.com/card.png',
      buttonTitle: 'Listen and trade',
      name: 'GigaVibe',
      url: 'https://app.example.com/app/p/0xabc',
      splashImageUrl: 'https://app.example.com/splash.png',
      splashBackgroundColor: '#120f24',
    });
    expect(safeParseMiniAppEmbed(miniapp).success).toBe(true);
    expect(safeParseMiniAppEmbed(frame).success).toBe(true);
    expect(JSON.stringify(frame)).toBe(JSON.stringify(miniapp).replace('launch_miniapp', 'launch_frame'));
  });
});
