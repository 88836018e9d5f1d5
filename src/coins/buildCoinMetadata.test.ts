import { describe, expect, it } from 'vitest';
import { buildCoinMetadata } from './buildCoinMetadata.ts';

const base = {
  castHash: '0xabcdef0123456789abcdef0123456789abcdef01',
  title: 'Night drive',
  text: 'Night drive\nin C minor',
  artistName: 'Ravi Keys',
  artistPfpUrl: 'https://example.com/ravi.png',
  audioUrl: 'https://cdn.example.com/night.m4a',
  audioMimeType: 'audio/mp4',
  externalUrl: 'https://gigavibe.example/p/0xabcdef',
};

describe('buildCoinMetadata', () => {
  it('carries the audio as animation_url and content with its mime type', () => {
    expect(buildCoinMetadata(base)).toEqual({
      name: 'Night drive',
      description:
        'Night drive by Ravi Keys: a live performance on GigaVibe (Farcaster cast 0xabcdef0123456789abcdef0123456789abcdef01).',
      image: 'https://example.com/ravi.png',
      animation_url: 'https://cdn.example.com/night.m4a',
      content: { uri: 'https://cdn.example.com/night.m4a', mime: 'audio/mp4' },
      external_url: 'https://gigavibe.example/p/0xabcdef',
    });
  });

  it('never emits a URI scheme Zora rejects: http images become a generated cover, http audio is left out', () => {
    const m = buildCoinMetadata({ ...base, artistPfpUrl: 'http://insecure.example/p.png', audioUrl: 'http://x/a.mp3' });
    expect(m.image).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(m.image.split(',')[1] ?? '', 'base64').toString()).toContain('Night drive');
    expect(m.animation_url).toBeUndefined();
    expect(m.content).toBeUndefined();
  });

  it('escapes the title inside the generated cover', () => {
    const m = buildCoinMetadata({ ...base, title: '<script>"x"&</script>', artistPfpUrl: null });
    const svg = Buffer.from(m.image.split(',')[1] ?? '', 'base64').toString();
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&#60;script&#62;');
  });
});
