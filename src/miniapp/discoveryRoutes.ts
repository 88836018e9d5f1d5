import { type Context, Hono } from 'hono';
import { buildPerformanceCard, type PerformanceCard } from '../../frames/buildCards.ts';
import type { CardRenderer } from '../../frames/createCardRenderer.ts';
import type { ImageCache } from '../../frames/createImageCache.ts';
import type { ImageNode } from '../../frames/drawCard.ts';
import type { GetPerformanceView } from '../performances/createPerformanceViews.ts';
import { buildEmbed } from './buildEmbed.ts';
import { appUrls, buildManifest } from './buildManifest.ts';
import {
  drawEmbedCard,
  drawHero,
  drawIcon,
  drawSplash,
  EMBED_SIZE,
  HERO_SIZE,
  ICON_SIZE,
  MINIAPP_LAYOUT_VERSION,
  SPLASH_SIZE,
} from './drawMiniAppImages.ts';
import { encodeOpaquePng } from './encodeOpaquePng.ts';
import type { AccountAssociation } from './parseAccountAssociation.ts';
import { renderNotFoundPage, renderSharePage } from './renderSharePage.ts';

export interface DiscoveryConfig {
  publicUrl: string;
  name: string;
  splashBackgroundColor: string;
  chainId: number;
  accountAssociation: AccountAssociation | null;
}

export interface DiscoveryDeps {
  renderer: () => Promise<CardRenderer>;
  cache: ImageCache;
  getPerformanceView: GetPerformanceView;
}

/** The share button: at most 32 characters (embed button title). */
export const SHARE_BUTTON_TITLE = 'Listen and trade';
const EMBED_CTA = 'Listen and trade on GigaVibe';
export const IMAGE_BASE = '/miniapp/image';

const IMMUTABLE = 'public, immutable, no-transform, max-age=31536000';
const SHORT = 'public, max-age=60';
/** The embed is scraped when the URL is cast and kept with the cast; a short max-age lets a re-share see new data. */
const PAGE = 'public, max-age=300';
const CAST_HASH = /^0x[0-9a-fA-F]{40}$/;
const IMAGE_FILE = /^([0-9a-f]{16})\.png$/;

type StaticName = 'icon' | 'splash' | 'hero';

/** Manifest, share pages and their images: `GET /.well-known/farcaster.json`, `GET /p/:castHash`, and the
 * content-versioned PNGs under /miniapp/image (immutable at their current version, like the frame images). */
export function discoveryRoutes(config: DiscoveryConfig, deps: DiscoveryDeps): Hono {
  const app = new Hono();
  const urls = appUrls(config.publicUrl);
  const background = config.splashBackgroundColor;

  const drawStatic = (
    name: StaticName,
    fontFamily: string,
  ): { node: ImageNode; size: typeof ICON_SIZE | typeof SPLASH_SIZE | typeof HERO_SIZE } => {
    if (name === 'icon') return { node: drawIcon(fontFamily, background), size: ICON_SIZE };
    if (name === 'splash') return { node: drawSplash(fontFamily, background), size: SPLASH_SIZE };
    return { node: drawHero(fontFamily, background, config.name, 'Back the sound you love'), size: HERO_SIZE };
  };
  const staticVersion = async (name: StaticName) =>
    (await deps.renderer()).versionOf(['miniapp', name, MINIAPP_LAYOUT_VERSION, background, config.name]);
  const staticUrl = async (name: StaticName) =>
    `${config.publicUrl}${IMAGE_BASE}/${name}/${await staticVersion(name)}.png`;

  const embedCard = async (card: PerformanceCard) => {
    const tools = await deps.renderer();
    const version = await tools.versionOf(['miniapp', 'embed', MINIAPP_LAYOUT_VERSION, background, card]);
    return { tools, version };
  };

  /** 304 for the current ETag; the cached or freshly rendered PNG otherwise (an older version gets the current image,
   * briefly cacheable). Keys come only from versions we computed, never from URL parts. */
  const serve = async (
    c: Context,
    requested: string,
    key: string,
    version: string,
    render: () => Promise<Uint8Array>,
  ) => {
    c.header('ETag', `"${version}"`);
    c.header('Cache-Control', requested === version ? IMMUTABLE : SHORT);
    const match = c.req.header('if-none-match');
    if (match?.split(',').some((t) => [`"${version}"`, `W/"${version}"`, '*'].includes(t.trim()))) {
      return c.body(null, 304);
    }
    const png = await deps.cache.getOrRender(`${key}:${version}`, render);
    c.header('Content-Type', 'image/png');
    return c.body(png as Uint8Array<ArrayBuffer>, 200);
  };

  app.get('/.well-known/farcaster.json', async (c) => {
    const [icon, splash, hero] = await Promise.all([staticUrl('icon'), staticUrl('splash'), staticUrl('hero')]);
    c.header('Cache-Control', 'public, max-age=300');
    c.header('Access-Control-Allow-Origin', '*');
    return c.json(
      buildManifest({
        publicUrl: config.publicUrl,
        name: config.name,
        splashBackgroundColor: background,
        chainId: config.chainId,
        images: { icon, splash, hero },
        accountAssociation: config.accountAssociation,
      }),
    );
  });

  app.get(`${IMAGE_BASE}/:name/:file`, async (c) => {
    const name = c.req.param('name');
    const requested = IMAGE_FILE.exec(c.req.param('file'))?.[1];
    if ((name !== 'icon' && name !== 'splash' && name !== 'hero') || requested === undefined) {
      return c.json({ error: 'image not found' }, 404);
    }
    const version = await staticVersion(name);
    return serve(c, requested, `miniapp:${name}`, version, async () => {
      const tools = await deps.renderer();
      const { node, size } = drawStatic(name, tools.fontFamily);
      // The icon must have no alpha channel; the others may, but opaque RGB is smaller for these flat drawings too.
      return encodeOpaquePng(await tools.renderPixels(node, size), size.width, size.height);
    });
  });

  app.get(`${IMAGE_BASE}/p/:castHash/:file`, async (c) => {
    const raw = c.req.param('castHash');
    const requested = IMAGE_FILE.exec(c.req.param('file'))?.[1];
    if (!CAST_HASH.test(raw) || requested === undefined) return c.json({ error: 'image not found' }, 404);
    const view = await deps.getPerformanceView(raw.toLowerCase());
    if (view === null) return c.json({ error: 'image not found' }, 404);
    const tools = await deps.renderer();
    const card = buildPerformanceCard(view.performance, view.market?.priceEth ?? null, tools.clean);
    const { version } = await embedCard(card);
    return serve(c, requested, `miniapp:embed:${view.performance.castHash}`, version, () =>
      tools.renderNode(drawEmbedCard(card, tools.fontFamily, background, EMBED_CTA), EMBED_SIZE),
    );
  });

  app.get('/p/:castHash', async (c) => {
    const raw = c.req.param('castHash');
    c.header('Vary', 'Accept');
    const view = CAST_HASH.test(raw) ? await deps.getPerformanceView(raw.toLowerCase()) : null;
    if (view === null) {
      c.header('Cache-Control', SHORT);
      return c.html(renderNotFoundPage(urls.home), 404);
    }
    const castHash = view.performance.castHash;
    const tools = await deps.renderer();
    const card = buildPerformanceCard(view.performance, view.market?.priceEth ?? null, tools.clean);
    const { version } = await embedCard(card);
    const imageUrl = `${config.publicUrl}${IMAGE_BASE}/p/${castHash}/${version}.png`;
    const appUrl = urls.performance(castHash);
    const embed = buildEmbed({
      imageUrl,
      buttonTitle: SHARE_BUTTON_TITLE,
      name: config.name,
      url: appUrl,
      splashImageUrl: await staticUrl('splash'),
      splashBackgroundColor: background,
    });
    c.header('Cache-Control', PAGE);
    return c.html(
      renderSharePage({
        title: `${card.title} by ${card.artist}`,
        description:
          card.coin === null
            ? `Listen on ${config.name}. ${card.viral.label}.`
            : `Listen and buy $${card.coin.symbol} on ${config.name}.`,
        pageUrl: urls.share(castHash),
        imageUrl,
        appUrl,
        embed,
      }),
    );
  });

  return app;
}
