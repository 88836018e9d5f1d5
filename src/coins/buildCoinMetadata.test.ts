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
  artistUsername: 'ravi',
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
      external_url: 'https://farcaster.xyz/ravi/0xabcdef01',
    });
  });

  it('never emits a URI scheme Zora rejects: http images become a generated cover, http audio is left out', () => {
    const m = buildCoinMetadata({ ...base, artistPfpUrl: 'http://insecure.example/p.png', audioUrl: 'http://x/a.mp3' });
    expect(m.image).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(m.image.split(',')[1] ?? '', 'base64').toString()).toContain('Night drive');
    expect(m.animation_url).toBeUndefined();
    expect(m.content).toBeUndefined();
  });

  it('never passes a scriptable or malformed profile picture on as the image: the generated cover replaces it', () => {
    const hostile = [
      'data:text/html,<script>alert(document.cookie)</script>',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+',
      'data:image/svg+xml,<svg onload="alert(1)"/>',
      'DATA:image/svg+xml;base64,PHN2Zz4=',
      'data:image/png,<script>alert(1)</script>',
      'data:image/png;base64,iVBORw0KGgo=<script>',
      `data:image/png;base64,${'A'.repeat(70_000)}`,
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)//https://x.png',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ipfs://bafy/evil.svg',
      '//evil.example/p.png',
      '/relative/p.png',
      'https://user:pass@evil.example/p.png',
      'https://',
      'not a url',
      `https://example.com/${'a'.repeat(3000)}.png`,
      '',
    ];
    for (const artistPfpUrl of hostile) {
      const { image } = buildCoinMetadata({ ...base, artistPfpUrl });
      expect({ artistPfpUrl, image: image.slice(0, 26) }).toEqual({
        artistPfpUrl,
        image: 'data:image/svg+xml;base64,',
      });
    }
  });

  it('keeps https pictures (normalised) and base64 PNG, JPEG, GIF and WebP data URIs', () => {
    const png =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    for (const ok of [
      png,
      'data:image/jpeg;base64,/9j/4AAQ',
      'data:image/gif;base64,R0lGODlh',
      'data:image/webp;base64,UklGRg==',
    ]) {
      expect(buildCoinMetadata({ ...base, artistPfpUrl: ok }).image).toBe(ok);
    }
    expect(buildCoinMetadata({ ...base, artistPfpUrl: 'https://i.imgur.com/a b".png' }).image).toBe(
      'https://i.imgur.com/a%20b%22.png',
    );
  });

  it('passes audio on only as an https URL with an audio/* type', () => {
    for (const audioUrl of ['data:text/html,<script>x</script>', 'javascript:alert(1)', 'ipfs://x/a.mp3']) {
      const m = buildCoinMetadata({ ...base, audioUrl });
      expect(m.animation_url).toBeUndefined();
      expect(m.content).toBeUndefined();
    }
    const m = buildCoinMetadata({ ...base, audioMimeType: 'text/html' });
    expect(m.content).toEqual({ uri: 'https://cdn.example.com/night.m4a', mime: 'audio/mpeg' });
  });

  it('percent-encodes the username into external_url, and leaves it out without one', () => {
    const m = buildCoinMetadata({ ...base, artistUsername: '../../evil.example/"><script>?x=#' });
    expect(m.external_url).toBe(
      'https://farcaster.xyz/..%2F..%2Fevil.example%2F%22%3E%3Cscript%3E%3Fx%3D%23/0xabcdef01',
    );
    expect(new URL(m.external_url ?? '').hostname).toBe('farcaster.xyz');
    expect(buildCoinMetadata({ ...base, artistUsername: null }).external_url).toBeUndefined();
  });

  it('escapes the title inside the generated cover', () => {
    const m = buildCoinMetadata({ ...base, title: '<script>"x"&</script>', artistPfpUrl: null });
    const svg = Buffer.from(m.image.split(',')[1] ?? '', 'base64').toString();
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&#60;script&#62;');
  });
});
