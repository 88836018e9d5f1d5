import { describe, expect, it } from 'vitest';
import { amountPlaceholder, castHashOfFrameUrl, createFrameUrls, explorerTxUrl, utf8Length } from './frameUrls.ts';

const HASH = `0x${'Ab'.repeat(20)}`;

describe('createFrameUrls', () => {
  it('builds absolute URLs on the public origin', () => {
    const urls = createFrameUrls('https://gigavibe.example/');
    expect(urls.frame('0x1')).toBe('https://gigavibe.example/frames/performance/0x1');
    expect(urls.image('0x1', 'abc')).toBe('https://gigavibe.example/frames/performance/0x1/image/abc.png');
    expect(urls.performancePage('0x1')).toBe('https://gigavibe.example/api/performances/0x1');
    expect(createFrameUrls('https://g.example', 'https://app.example/m?x=1').performancePage('0x1')).toBe(
      'https://app.example/m?x=1&castHash=0x1',
    );
  });
});

describe('castHashOfFrameUrl', () => {
  it('answers the lowercase cast hash of our performance frame URLs only', () => {
    const origin = 'https://gigavibe.example';
    expect(castHashOfFrameUrl(`${origin}/frames/performance/${HASH}`, origin)).toBe(HASH.toLowerCase());
    expect(castHashOfFrameUrl(`${origin}/frames/performance/${HASH}/buy?x=1`, origin)).toBe(HASH.toLowerCase());
    expect(castHashOfFrameUrl(`https://evil.example/frames/performance/${HASH}`, origin)).toBeNull();
    expect(castHashOfFrameUrl(`${origin}/frames/performance/${HASH}0`, origin)).toBeNull();
    expect(castHashOfFrameUrl(`${origin}/x/frames/performance/${HASH}`, origin)).toBeNull();
    expect(castHashOfFrameUrl('not a url', origin)).toBeNull();
  });
});

describe('explorerTxUrl', () => {
  it('links Basescan for Base and Base Sepolia only', () => {
    expect(explorerTxUrl(8453, '0xab')).toBe('https://basescan.org/tx/0xab');
    expect(explorerTxUrl(84532, '0xab')).toBe('https://sepolia.basescan.org/tx/0xab');
    expect(explorerTxUrl(1, '0xab')).toBeNull();
  });
});

describe('amountPlaceholder', () => {
  it('shows the default amount within 32 bytes', () => {
    expect(amountPlaceholder('0.001')).toBe('ETH to spend (default 0.001)');
    expect(utf8Length(amountPlaceholder('0.000000000000000001'))).toBeLessThanOrEqual(32);
    expect(amountPlaceholder('0.000000000000000001')).toContain('0.000000000000000001');
    expect(amountPlaceholder('1'.repeat(40))).toBe('ETH to spend');
  });
});
