import { describe, expect, it } from 'vitest';
import { isAllowedNotificationUrl } from './isAllowedNotificationUrl.ts';

describe('isAllowedNotificationUrl', () => {
  it('allows public https hosts only, loopback http only when asked', () => {
    expect(isAllowedNotificationUrl('https://api.farcaster.xyz/v1/frame-notifications')).toBe(true);
    for (const url of [
      'http://api.farcaster.xyz/x',
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://localhost/x',
      'https://0x7f000001/x',
      'https://user:pw@api.farcaster.xyz/x',
      'https://printer.local/x',
      'https://intranet/x',
      'ftp://api.farcaster.xyz/x',
      'not a url',
    ]) {
      expect(isAllowedNotificationUrl(url), url).toBe(false);
    }
    expect(isAllowedNotificationUrl('http://127.0.0.1:4000/notify', { allowLoopbackHttp: true })).toBe(true);
    expect(isAllowedNotificationUrl('http://10.0.0.1/notify', { allowLoopbackHttp: true })).toBe(false);
  });
});
