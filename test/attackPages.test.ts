import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFrameFonts } from '../frames/loadFrameFonts.ts';
import { castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import { capNodeServer, nodeServerOptions } from '../src/http/nodeServerLimits.ts';
import { createMiniAppServer } from '../src/miniapp/createMiniAppServer.ts';
import { createPerformanceViews } from '../src/performances/createPerformanceViews.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const PUBLIC_URL = 'https://app.example.com';
const fonts = loadFrameFonts();
const bundle = { script: 'export {};', style: 'body{}', version: 'deadbeefdeadbeef' };
/** What a Worker host hands the app as Hono's env: each value a secret no page may show. */
const BINDINGS = {
  NEYNAR_WEBHOOK_SECRET: 'leak-canary-webhook-secret-9f3a',
  SUPABASE_SERVICE_ROLE_KEY: 'leak-canary-service-role-71bc',
  ADMIN_TOKEN: 'leak-canary-admin-token-0d2e',
  MINIAPP_WEBHOOK_TOKEN: 'leak-canary-notification-token-77cc',
};
/** Headers an attacker sets hoping a page or the manifest builds its URLs from them (a shared cache keeps the result). */
const POISON = {
  host: 'evil.example',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'http',
  'x-forwarded-prefix': '/evil',
  'x-original-url': '/evil',
  forwarded: 'host=evil.example;proto=http',
};

/** Outsider's pass over the mini app's server routes and pages: injection, poisoning, leaks, traversal, 5xx. */
describe.each(databaseTargets())('attacking the mini app pages on $name', (target) => {
  let db: TestDatabase;
  let app: TestApp;
  const plain = castHash(8001, 'b');
  const hostile = castHash(8002, 'b');
  const title = '</script><script>alert(1)</script>\u2028\u2029<!--"\'&';

  beforeAll(async () => {
    db = await target.create();
    const miniApp = createMiniAppServer(
      { publicUrl: PUBLIC_URL, quickAuthOrigin: 'https://auth.example.com', chainId: 8453 },
      {
        store: db.stores.miniapp,
        logger: silentLogger,
        getPerformanceView: createPerformanceViews({ stores: db.stores, logger: silentLogger }).getPerformanceView,
        fonts: () => fonts,
      },
    );
    app = testApp(db, {
      miniApp,
      webApp: {
        assets: async () => bundle,
        config: { publicUrl: PUBLIC_URL, chainId: 8453, quickAuthOrigin: 'https://auth.example.com' },
      },
    });
    await app.deliver(performanceCast(plain, user(8100)));
    const evil = performanceCast(
      hostile,
      user(8101, { username: 'a"b\'c<d>', display_name: '"><img src=x onerror=alert(1)>\u2028' }),
    );
    (evil.data as { text: string }).text = title;
    await app.deliver(evil);
    await app.drainer.drain();
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    app.app.request(path, { headers }, BINDINGS as unknown as Record<string, unknown>);

  it('escapes a hostile title and artist everywhere in the share page', async () => {
    const res = await get(`/p/${hostile}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    // The only markup is ours: no script, no injected attribute, no raw quote closing a meta tag.
    expect(html).not.toMatch(/<script|<img|<!--|onerror=alert\(1\)>/i);
    // The hostile text did reach the page (escaped), so the checks above are not vacuous.
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    for (const line of html.split('\n').filter((l) => l.startsWith('<meta'))) {
      expect(line, line).toMatch(/^<meta( [a-z:-]+="[^"<>]*")+>$/);
    }
  });

  it('keeps the inlined data of /app/p/:castHash inside its JSON script, parseable back to the same title', async () => {
    const res = await get(`/app/p/${hostile}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toMatch(/[\u2028\u2029]/);
    const json = /<script id="boot" type="application\/json">([^<]*)<\/script>/.exec(html)?.[1];
    expect(json).toBeDefined();
    const boot = JSON.parse(json ?? '') as { initial: { data: { title: string; text: string } } };
    expect(boot.initial.data.text).toBe(title);
  });

  it.each([
    '/.well-known/farcaster.json',
    `/p/${plain}`,
    `/p/${hostile}`,
    '/p/0xnotacast',
    '/app',
    `/app/p/${plain}`,
    '/app/portfolio',
    '/app/artist/8100',
    '/api/miniapp/config',
  ])('builds %s from PUBLIC_URL only: Host and X-Forwarded-* change nothing, and no binding shows', async (path) => {
    const clean = await (await get(path)).text();
    const poisoned = await get(path, POISON);
    expect(poisoned.status).toBeLessThan(500);
    const text = await poisoned.text();
    expect(text).not.toContain('evil');
    // The pages inline live data (the feed may tick), so compare URLs, not bytes.
    const urls = (s: string) => [...s.matchAll(/https?:\/\/[^"'\s<>&]+/g)].map((m) => m[0]).sort();
    expect(urls(text)).toEqual(urls(clean));
    for (const [name, value] of Object.entries(BINDINGS)) expect(text.includes(value), name).toBe(false);
  });

  it('renders one embed image whatever version an attacker asks for (the cache is keyed by our version only)', async () => {
    const sizes = new Set<number>();
    for (const version of ['0000000000000000', 'ffffffffffffffff', '0123456789abcdef', 'aaaaaaaaaaaaaaaa']) {
      const res = await get(`/miniapp/image/p/${plain}/${version}.png`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
      sizes.add((await res.arrayBuffer()).byteLength);
    }
    expect(sizes.size).toBe(1);
  });

  // What held: traversal and odd spellings in every path parameter; the asset route serves one exact file name.
  it.each([
    '/app/assets/..%2f..%2fpackage.json',
    '/app/assets/%2e%2e%2fapp.deadbeefdeadbeef.js',
    '/app/assets/app.deadbeefdeadbeef.js%00.html',
    '/app/assets/app.DEADBEEFDEADBEEF.js',
    `/app/assets/${'a'.repeat(8000)}`,
    '/app/p/..%2f..%2fapi%2fme',
    `/app/p/${plain}%0d%0aSet-Cookie:%20x=1`,
    '/app/artist/9999999999999',
    '/app/artist/%F0%9F%8E%B5',
    '/p/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    `/p/${'%ff'.repeat(2000)}`,
    '/miniapp/image/icon/..%2f..%2fpasswd.png',
    '/miniapp/image/%2e%2e/0000000000000000.png',
    `/miniapp/image/p/${plain}/..%2f0000000000000000.png`,
    '/miniapp/image/p/0xzz/0000000000000000.png',
    '/p/%ZZ',
    '/app/p/%E0%A4%A',
    '/app/artist/%ZZ',
    '/miniapp/image/p/%ZZ/%ZZ.png',
    '/api/performances/%ZZ/analytics',
    '/api/artists/%ZZ/analytics',
    '/api/coins/%ZZ/candles?interval=1m',
    '/api/coins/%E0%A4%A/trades',
  ])('answers %s with a 4xx', async (path) => {
    const res = await get(path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const text = await res.text();
    expect(text).not.toContain('"name":"gigavibe"');
    expect(text).not.toContain('export {};');
  });

  it('serves the bundle at its exact versioned name only', async () => {
    expect((await get(`/app/assets/app.${bundle.version}.js`)).status).toBe(200);
  });

  describe('over real HTTP', () => {
    let server: ReturnType<typeof serve>;
    let port: number;
    beforeAll(async () => {
      server = serve({ fetch: app.app.fetch, port: 0, hostname: '127.0.0.1', serverOptions: nodeServerOptions() });
      capNodeServer(server as never);
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    /** Send raw bytes and read the status line (null when the server closed without answering) and the answer. */
    const raw = (request: string) =>
      new Promise<{ status: number | null; data: string }>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let data = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk) => {
          data += chunk;
        });
        socket.on('error', reject);
        socket.on('close', () => {
          const status = /^HTTP\/1\.1 (\d{3})/.exec(data)?.[1];
          resolve({ status: status === undefined ? null : Number(status), data });
        });
        // write, not end: a client that half-closes may see the server drop a slow answer (Node's own behaviour).
        socket.write(Buffer.from(request, 'latin1'));
      });

    it.each([
      ['a Host that is no authority', `GET /app HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n`],
      ['a Host of brackets', `GET /.well-known/farcaster.json HTTP/1.1\r\nHost: [\r\nConnection: close\r\n\r\n`],
      [
        'an absolute-form target on another host',
        `GET http://evil.example/p/${plain} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
      ],
      [
        'dot segments past the root',
        `GET /app/assets/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ],
      ['a backslash path', `GET /app\\..\\..\\package.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
      [
        'raw high bytes in the query',
        `GET /api/performances?sort=tr\xffending HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ],
      ['raw high bytes in the path', `GET /p/0x\xe2\x80\xa8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
      [
        'a lone percent sign',
        `GET /api/coins/0x${'1'.repeat(40)}/trades?cursor=% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ],
      [
        'a thousand query parameters',
        `GET /api/performances/${plain}/analytics?${Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ],
      [
        'a 15 KB query value',
        `GET /api/performances?cursor=${'A'.repeat(15_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ],
      ['duplicate Host headers', `GET /app HTTP/1.1\r\nHost: a\r\nHost: evil.example\r\nConnection: close\r\n\r\n`],
    ])('never answers a 5xx to %s', async (_, request) => {
      const { status, data } = await raw(request);
      // node:http itself may refuse the request (400) before the app sees it; either way, no 5xx, and nothing the
      // request named comes back in the answer.
      if (status !== null) expect(status).toBeLessThan(500);
      expect(data).not.toContain('evil.example');
      // And the server still serves.
      expect((await fetch(`http://127.0.0.1:${port}/api/miniapp/config`)).status).toBe(200);
    });

    it('builds the manifest from PUBLIC_URL whatever Host the connection names', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/farcaster.json`, {
        headers: { 'x-forwarded-host': 'evil.example' },
      });
      const text = await res.text();
      expect(text).toContain(`${PUBLIC_URL}/app`);
      expect(text).not.toContain('127.0.0.1');
      expect(text).not.toContain('evil');
    });
  });
});
