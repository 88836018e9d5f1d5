import { domainManifestSchema, domainMiniAppConfigSchema, safeParseMiniAppEmbed } from '@farcaster/miniapp-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFrameFonts } from '../frames/loadFrameFonts.ts';
import { signAccountAssociation, verifyAccountAssociation } from '../scripts/miniappAssociate.ts';
import { castCreated, castHash, PERFORMANCE_CHANNEL, user } from '../scripts/neynarPayloads.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { createMiniAppServer, type MiniAppServerConfig } from '../src/miniapp/createMiniAppServer.ts';
import { parseAccountAssociation, readAccountAssociation } from '../src/miniapp/parseAccountAssociation.ts';
import { createPerformanceViews } from '../src/performances/createPerformanceViews.ts';
import { createLogger, type Logger, silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const PUBLIC_URL = 'https://app.example.com';
const CUSTODY_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const fonts = loadFrameFonts();

/** A PNG's width, height and colour type, from its IHDR chunk. */
function pngInfo(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(new TextDecoder().decode(bytes.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20), colorType: bytes[25] };
}

function metaContent(html: string, name: string): string | null {
  const match = new RegExp(`<meta (?:name|property)="${name}" content="([^"]*)"`).exec(html);
  if (!match?.[1]) return null;
  return match[1]
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function build(db: TestDatabase, config: Partial<MiniAppServerConfig> = {}, logger: Logger = silentLogger): TestApp {
  const miniApp = createMiniAppServer(
    { publicUrl: PUBLIC_URL, quickAuthOrigin: 'https://auth.example.com', chainId: 8453, ...config },
    {
      store: db.stores.miniapp,
      logger,
      getPerformanceView: createPerformanceViews({ stores: db.stores, logger: silentLogger }).getPerformanceView,
      fonts: () => fonts,
    },
  );
  return testApp(db, { miniApp });
}

describe.each(databaseTargets())('mini app discovery on $name', (target) => {
  let db: TestDatabase;
  let app: TestApp;
  const hash = castHash(1, 'e');
  const hostile = castHash(2, 'e');

  beforeAll(async () => {
    db = await target.create();
    const association = await signAccountAssociation({ fid: 3, domain: 'app.example.com', privateKey: CUSTODY_KEY });
    app = build(db, { accountAssociation: parseAccountAssociation(association) });
    const cast = (h: string, author: ReturnType<typeof user>, text: string) =>
      castCreated({ hash: h, author, text, parentUrl: PERFORMANCE_CHANNEL });
    await app.deliver(cast(hash, user(4000, { display_name: 'Ada' }), 'Night set'));
    await app.deliver(
      cast(hostile, user(4001, { display_name: '"><script>alert(1)</script>' }), 'Live "quoted" & <b>bold</b>'),
    );
    await app.drainer.drain();
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  it('serves a manifest valid under domainManifestSchema, with the miniapp key and every URL on PUBLIC_URL', async () => {
    const res = await app.app.request('/.well-known/farcaster.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const json = (await res.json()) as { miniapp?: Record<string, unknown>; accountAssociation?: unknown };
    const parsed = domainManifestSchema.safeParse(json);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(json.miniapp).toBeDefined();
    expect(domainMiniAppConfigSchema.safeParse(json.miniapp).success).toBe(true);
    const m = json.miniapp as Record<string, unknown>;
    expect(m).toMatchObject({
      version: '1',
      name: 'GigaVibe',
      homeUrl: `${PUBLIC_URL}/app`,
      webhookUrl: `${PUBLIC_URL}/webhooks/miniapp`,
      primaryCategory: 'music',
      requiredChains: ['eip155:8453'],
      splashBackgroundColor: '#120f24',
    });
    for (const key of ['iconUrl', 'splashImageUrl', 'heroImageUrl', 'ogImageUrl', 'homeUrl', 'webhookUrl']) {
      expect(String(m[key]).startsWith(`${PUBLIC_URL}/`), key).toBe(true);
    }
    expect(await verifyAccountAssociation(json.accountAssociation as never)).toBe(true);
  });

  it('draws the icon 1024x1024 without alpha, the splash 200x200 and the hero 1200x630, all immutable PNGs', async () => {
    const m = (
      (await (await app.app.request('/.well-known/farcaster.json')).json()) as { miniapp: Record<string, string> }
    ).miniapp;
    const sizes: [string, number, number][] = [
      ['iconUrl', 1024, 1024],
      ['splashImageUrl', 200, 200],
      ['heroImageUrl', 1200, 630],
    ];
    for (const [key, width, height] of sizes) {
      const res = await app.app.request(new URL(m[key] ?? '').pathname);
      expect(res.status, key).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('cache-control')).toMatch(/immutable/);
      const info = pngInfo(new Uint8Array(await res.arrayBuffer()));
      expect(info, key).toEqual({ width, height, colorType: 2 });
    }
  }, 60_000);

  it('serves a share page whose fc:miniapp and fc:frame embeds validate and launch the app at the performance', async () => {
    const res = await app.app.request(`/p/${hash}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const miniapp = JSON.parse(metaContent(html, 'fc:miniapp') ?? 'null');
    const frame = JSON.parse(metaContent(html, 'fc:frame') ?? 'null');
    for (const [embed, type] of [
      [miniapp, 'launch_miniapp'],
      [frame, 'launch_frame'],
    ] as const) {
      const parsed = safeParseMiniAppEmbed(embed);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(embed.version).toBe('1');
      expect(embed.button.title.length).toBeLessThanOrEqual(32);
      expect(embed.button.action).toMatchObject({ type, name: 'GigaVibe', url: `${PUBLIC_URL}/app/p/${hash}` });
      expect(embed.imageUrl.length).toBeLessThanOrEqual(1024);
      expect(embed.button.action.url.length).toBeLessThanOrEqual(1024);
      expect(embed.imageUrl.startsWith(`${PUBLIC_URL}/`)).toBe(true);
      expect(embed.button.action.splashImageUrl.startsWith(`${PUBLIC_URL}/`)).toBe(true);
    }
    expect(metaContent(html, 'og:image')).toBe(miniapp.imageUrl);
    expect(metaContent(html, 'og:title')).toMatch(/Night set/);
    expect(html).toContain(`href="${PUBLIC_URL}/app/p/${hash}"`);
    expect(html).toContain(`<meta http-equiv="refresh" content="0; url=${PUBLIC_URL}/app/p/${hash}">`);

    const image = await app.app.request(new URL(miniapp.imageUrl).pathname);
    expect(image.status).toBe(200);
    expect(image.headers.get('cache-control')).toMatch(/immutable/);
    const info = pngInfo(new Uint8Array(await image.arrayBuffer()));
    expect(info.width / info.height).toBe(3 / 2);
    expect(info.width).toBe(1200);

    const etag = image.headers.get('etag') ?? '';
    expect(
      (await app.app.request(new URL(miniapp.imageUrl).pathname, { headers: { 'if-none-match': etag } })).status,
    ).toBe(304);
    const stale = await app.app.request(`/miniapp/image/p/${hash}/0000000000000000.png`);
    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-control')).toBe('public, max-age=60');
  }, 60_000);

  it('escapes hostile titles and names in the page and its embed', async () => {
    const html = await (await app.app.request(`/p/${hostile}`)).text();
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    const miniapp = JSON.parse(metaContent(html, 'fc:miniapp') ?? 'null');
    expect(safeParseMiniAppEmbed(miniapp).success).toBe(true);
  });

  it('answers 404 pages for unknown, malformed and deleted casts, and 404 images for made-up ones', async () => {
    for (const path of [`/p/${castHash(99, 'e')}`, '/p/0x123', '/p/%3Cscript%3E']) {
      const res = await app.app.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).toContain('Performance not found');
    }
    expect((await app.app.request(`/miniapp/image/p/${castHash(99, 'e')}/0000000000000000.png`)).status).toBe(404);
    expect((await app.app.request('/miniapp/image/icon/nope.png')).status).toBe(404);
    expect((await app.app.request('/miniapp/image/secret/0000000000000000.png')).status).toBe(404);
  });

  it('serves the manifest without accountAssociation when none is configured, and warns once at build', async () => {
    const lines: string[] = [];
    const logger = { ...createLogger('silent'), warn: (msg: string) => void lines.push(msg) };
    const bare = build(db, { accountAssociation: null }, logger);
    const json = (await (await bare.app.request('/.well-known/farcaster.json')).json()) as Record<string, unknown>;
    expect(json.accountAssociation).toBeUndefined();
    expect(domainMiniAppConfigSchema.safeParse(json.miniapp).success).toBe(true);
    await bare.app.request('/.well-known/farcaster.json');
    expect(lines.filter((l) => l.includes('MINIAPP_ACCOUNT_ASSOCIATION'))).toHaveLength(1);
  });
});

describe('account association configuration', () => {
  it('accepts the JSON object or its three parts, and refuses malformed ones naming the variable', async () => {
    const association = await signAccountAssociation({ fid: 3, domain: 'app.example.com', privateKey: CUSTODY_KEY });
    const fromJson = loadConfig({ MINIAPP_ACCOUNT_ASSOCIATION: JSON.stringify(association) });
    expect(readAccountAssociation(fromJson)?.decoded).toMatchObject({
      fid: 3,
      type: 'custody',
      domain: 'app.example.com',
    });
    const fromParts = loadConfig({
      MINIAPP_ASSOCIATION_HEADER: association.header,
      MINIAPP_ASSOCIATION_PAYLOAD: association.payload,
      MINIAPP_ASSOCIATION_SIGNATURE: association.signature,
    });
    expect(readAccountAssociation(fromParts)?.association).toEqual(association);
    expect(readAccountAssociation(loadConfig({}))).toBeNull();
    expect(() => loadConfig({ MINIAPP_ACCOUNT_ASSOCIATION: '{"header":"x"}' })).toThrow(/MINIAPP_ACCOUNT_ASSOCIATION/);
    expect(() => loadConfig({ MINIAPP_ASSOCIATION_HEADER: association.header })).toThrow(/MINIAPP_ASSOCIATION_HEADER/);
    expect(() =>
      loadConfig({ MINIAPP_ACCOUNT_ASSOCIATION: JSON.stringify({ ...association, payload: 'bm90IGpzb24' }) }),
    ).toThrow(/MINIAPP_ACCOUNT_ASSOCIATION/);
    expect(() => loadConfig({ MINIAPP_SPLASH_BACKGROUND_COLOR: 'red' })).toThrow(/MINIAPP_SPLASH_BACKGROUND_COLOR/);
    expect(() => loadConfig({ MINIAPP_NAME: 'x'.repeat(33) })).toThrow(/MINIAPP_NAME/);
  });

  it('signs with the custody key an association whose signature verifies, and not for a tampered domain', async () => {
    const association = await signAccountAssociation({ fid: 3, domain: 'app.example.com', privateKey: CUSTODY_KEY });
    expect(await verifyAccountAssociation(association)).toBe(true);
    const payload = Buffer.from(JSON.stringify({ domain: 'evil.example.com' })).toString('base64url');
    expect(await verifyAccountAssociation({ ...association, payload })).toBe(false);
  });
});
