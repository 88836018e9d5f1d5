import { describe, expect, it } from 'vitest';
import { parseRoute } from './router.ts';

describe('parseRoute', () => {
  it('maps the deep links and refuses anything else', () => {
    expect(parseRoute('/app')).toEqual({ name: 'feed' });
    expect(parseRoute('/app/')).toEqual({ name: 'feed' });
    expect(parseRoute('/app/portfolio')).toEqual({ name: 'portfolio' });
    expect(parseRoute(`/app/p/0x${'AB'.repeat(20)}`)).toEqual({
      name: 'performance',
      castHash: `0x${'ab'.repeat(20)}`,
    });
    expect(parseRoute('/app/artist/42')).toEqual({ name: 'artist', fid: 42 });
    for (const bad of ['/app/p/0x12', '/app/artist/0', '/app/artist/-1', '/app/artist/1e3', '/app/x', '/other']) {
      expect(parseRoute(bad), bad).toEqual({ name: 'notFound' });
    }
  });
});
