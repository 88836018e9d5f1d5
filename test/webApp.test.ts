/** The mini app's pages and bundle as the Hono app serves them (src/webapp): the shell with the first screen's data
 * inlined from the real API, hostile data kept inert, the versioned bundle, bad deep links refused, and the bundle
 * within its budget (the brief's targets: first-screen JS ≤ 180 KB gzip with the SDK, CSS ≤ 20 KB gzip). */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import { buildWebApp } from '../src/webapp/buildWebApp.ts';
import type { WebAppAssets } from '../src/webapp/webAppAssets.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { type TestApp, testApp } from './support/testApp.ts';

let bundle: WebAppAssets;
beforeAll(async () => {
  bundle = await buildWebApp();
}, 60_000);

function bootOf(html: string): { publicUrl: string; chainId: number; initial: { key: string; data: unknown } | null } {
  const json = /<script id="boot" type="application\/json">([^<]*)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error('no boot data in the page');
  return JSON.parse(json);
}

describe('the mini app bundle', () => {
  it('stays within the first-screen budget, with the SDK slimmed (no Solana library, no zod translations)', () => {
    expect(gzipSync(bundle.script).length).toBeLessThanOrEqual(180 * 1024);
    expect(gzipSync(bundle.style).length).toBeLessThanOrEqual(20 * 1024);
    expect(bundle.script).toContain('Solana is not supported by this app');
    // A message only zod's German translation has.
    expect(bundle.script).not.toContain('Ungültige Eingabe');
    expect(bundle.version).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('a host whose bundle cannot be loaded', () => {
  it('answers the app 503 with the reason, and serves it once the bundle loads', async () => {
    const target = databaseTargets()[0]!;
    const db = await target.create();
    try {
      let attempts = 0;
      const app = testApp(db, {
        webApp: {
          assets: async () => {
            attempts += 1;
            if (attempts === 1) throw new Error('ENOENT: src/webapp/client/main.tsx');
            return bundle;
          },
          config: { publicUrl: null, chainId: 8453, quickAuthOrigin: null },
        },
      });
      const refused = await app.app.request('/app');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('60');
      expect(await refused.json()).toEqual({ error: 'the mini app is not built on this server (npm run build)' });
      // The failure stands for its Retry-After (no new load per request), then the next request loads again.
      expect((await app.app.request('/app')).status).toBe(503);
      expect(attempts).toBe(1);
      const later = Date.now() + 60_000;
      vi.spyOn(Date, 'now').mockReturnValue(later);
      try {
        expect((await app.app.request('/app')).status).toBe(200);
      } finally {
        vi.restoreAllMocks();
      }
      expect(attempts).toBe(2);
    } finally {
      await db.close();
    }
  });
});

describe.each(databaseTargets())('mini app pages on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let app: TestApp;
  const hash = castHash(9001, 'e');
  const hostile = castHash(9002, 'e');

  beforeAll(async () => {
    db = await target.create();
    app = testApp(db, {
      webApp: {
        assets: async () => bundle,
        config: { publicUrl: 'https://gigavibe.example', chainId: 8453, quickAuthOrigin: 'https://auth.example' },
      },
    });
    await app.deliver(performanceCast(hash, user(4100)));
    const evil = performanceCast(hostile, user(4101));
    (evil.data as { text: string }).text = '</script><script>alert(1)</script>\u2028<!--';
    await app.deliver(evil);
    await app.drainer.drain();
  });
  afterAll(async () => {
    await db.close();
  });

  it('serves the feed with its first page inlined, the versioned bundle and a content security policy', async () => {
    const response = await app.app.request('/app');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain('connect-src ');
    expect(csp).toContain('https://auth.example');
    const html = await response.text();
    expect(html).toContain(`<script type="module" src="/app/assets/app.${bundle.version}.js">`);
    const boot = bootOf(html);
    // The page carries public settings only: nothing else of the configuration reaches a browser.
    expect(Object.keys(boot).sort()).toEqual(['chainId', 'initial', 'publicUrl', 'quickAuthOrigin']);
    expect(boot.publicUrl).toBe('https://gigavibe.example');
    expect(boot.initial?.key).toBe('feed:recent');
    const page = boot.initial?.data as { items: { castHash: string }[]; nextCursor: string | null };
    expect(page.items.map((i) => i.castHash)).toEqual(expect.arrayContaining([hash, hostile]));
  });

  it('inlines a performance for its deep link, and keeps hostile cast text inert', async () => {
    const html = await (await app.app.request(`/app/p/${hostile.toUpperCase().replace('0X', '0x')}`)).text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html.match(/<script/g)).toHaveLength(2);
    const boot = bootOf(html);
    expect(boot.initial?.key).toBe(`performance:${hostile}`);
    const data = boot.initial?.data as { text: string } | undefined;
    expect(data?.text).toBe('</script><script>alert(1)</script>\u2028<!--');
  });

  it('serves a page without data for an unknown performance, the portfolio and an artist', async () => {
    for (const path of [`/app/p/${castHash(9999, 'e')}`, '/app/portfolio', '/app/artist/4100']) {
      const response = await app.app.request(path);
      expect(response.status, path).toBe(200);
      expect(bootOf(await response.text()).initial, path).toBeNull();
    }
  });

  it('refuses malformed deep links with a short 400 and unknown assets with a 404', async () => {
    for (const path of ['/app/p/0x12', '/app/p/nothex', '/app/artist/0', '/app/artist/abc', '/app/artist/1e3']) {
      const response = await app.app.request(path);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: string }).error.length).toBeLessThan(80);
    }
    expect((await app.app.request('/app/assets/app.000000000000.js')).status).toBe(404);
    expect((await app.app.request('/app/assets/..%2F..%2Fpackage.json')).status).toBe(404);
  });

  it('serves the bundle at its version, cacheable forever', async () => {
    const response = await app.app.request(`/app/assets/app.${bundle.version}.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/javascript');
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(await response.text()).toBe(bundle.script);
  });
});
