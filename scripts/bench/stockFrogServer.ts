/** The stock Frog baseline of `npm run bench:frames`: a Frog 0.18.3 frame that draws the same card as GigaVibe
 * (frames/buildCards.ts + frames/drawCard.ts, the same bundled Inter fonts passed as Frog's `imageOptions.fonts`) and
 * lets Frog's default pipeline serve the image: the element goes into the `/image?image=...` URL and every image
 * request renders it with hono-og (satori + resvg), uncached. POSTs are verified by a Frog hub doing the same local
 * checks as GigaVibe's (src/farcaster/frogHub.ts against HUB_URL, signer answers cached as on the Node host); there
 * is no database: the performances are read once from a JSON file, so its frame GET and POST do less work than
 * GigaVibe's. Any fetch to a non-loopback host is refused and counted (GET /healthz reports it).
 * Runs as a child process; env: PORT, STOCK_FROG_PERFORMANCES (a JSON array of performances as GET
 * /api/performances/:castHash serves them), HUB_URL, HUB_SIGNER_CACHE_SECONDS, FRAME_MAX_AGE_SECONDS. */
import { readFile } from 'node:fs/promises';
import { serve } from '@hono/node-server';
import { Button, Frog } from 'frog';
import { type JSX, jsx } from 'frog/jsx/jsx-runtime';
import { Hono } from 'hono';
import { z } from 'zod';
import { buildPerformanceCard, type Card } from '../../frames/buildCards.ts';
import { drawCard, type ImageNode } from '../../frames/drawCard.ts';
import { loadFrameFonts } from '../../frames/loadFrameFonts.ts';
import { readFontCoverage } from '../../frames/readFontCoverage.ts';
import { sanitizeText } from '../../frames/sanitizeText.ts';
import { createHubSignerCheck } from '../../src/farcaster/createHubSignerCheck.ts';
import { createFrogHub } from '../../src/farcaster/frogHub.ts';
import { createErrorHandler } from '../../src/http/onError.ts';
import { performanceSchema } from '../../src/performances/types.ts';
import { createLogger } from '../../src/support/logger.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Refuse (and count) every fetch that would leave the machine: the baseline must render offline like GigaVibe. */
function refuseNetwork(): () => string[] {
  const refused: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (LOOPBACK.has(url.hostname)) return realFetch(input, init);
    refused.push(url.origin);
    return Promise.reject(new Error(`stock Frog baseline: network access refused (${url.origin})`));
  }) as typeof fetch;
  return () => refused;
}

/** An element as compiled JSX makes it: `jsx()` returns hono's JSXNode, which its typings call a class while a JSX
 * expression is typed JSX.Element; they are the same object at run time. */
function element(type: Parameters<typeof jsx>[0], props: Record<string, unknown>): JSX.Element {
  return jsx(type, props) as unknown as JSX.Element;
}

/** drawCard's plain `{ type, props }` tree as Frog's JSX elements (what a Frog app's `image` JSX produces). */
function toJsx(node: ImageNode): JSX.Element {
  const { children, ...props } = node.props;
  const list = children === undefined ? [] : Array.isArray(children) ? children : [children];
  return element(node.type, {
    ...props,
    children: list.map((child) => (typeof child === 'string' ? child : toJsx(child))),
  });
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

async function main(): Promise<void> {
  const refused = refuseNetwork();
  const port = Number(required('PORT'));
  const origin = `http://127.0.0.1:${port}`;
  const performances = z
    .array(performanceSchema)
    .parse(JSON.parse(await readFile(required('STOCK_FROG_PERFORMANCES'), 'utf8')));
  const fonts = await loadFrameFonts();
  const covered = new Set<number>([0x20]);
  for (const font of fonts) for (const codePoint of await readFontCoverage(font.data)) covered.add(codePoint);
  const clean = (text: string, maxChars: number) => sanitizeText(text, (c) => covered.has(c), maxChars);
  // The same fallback order GigaVibe's renderer puts in font-family (frames/createCardRenderer.ts).
  const fontFamily = [...new Set(fonts.map((f) => f.name))].join(', ');
  const cards = new Map<string, Card>(
    performances.map((p) => [p.castHash.toLowerCase(), buildPerformanceCard(p, null, clean)]),
  );

  const logger = createLogger('warn');
  const maxAgeSeconds = Number(process.env.FRAME_MAX_AGE_SECONDS ?? 300);
  const frog = new Frog({
    title: 'GigaVibe (stock Frog)',
    basePath: '/frames',
    origin,
    hub: createFrogHub({
      maxAgeSeconds,
      allowedOrigin: origin,
      checkSigner: createHubSignerCheck({
        hubUrl: required('HUB_URL'),
        cacheSeconds: Number(process.env.HUB_SIGNER_CACHE_SECONDS ?? 600),
      }),
    }),
    verify: true,
    imageAspectRatio: '1.91:1',
    imageOptions: {
      fonts: fonts.map((f) => ({ name: f.name, data: f.data, weight: f.weight, style: f.style })),
    },
  });

  frog.frame('/performance/:castHash', (c) => {
    const castHash = c.req.param('castHash').toLowerCase();
    const card = cards.get(castHash);
    if (card === undefined) return c.error({ message: 'Performance not found', statusCode: 404 });
    if (c.req.method === 'POST') {
      const signedFor = c.frameData?.url ?? '';
      if (!c.verified || !signedFor.startsWith(`${origin}/frames/performance/${castHash}`)) {
        return c.error({ message: 'This action was signed for another frame', statusCode: 400 });
      }
    }
    return c.res({
      image: toJsx(drawCard(card, fontFamily)),
      imageAspectRatio: '1.91:1',
      title: card.kind === 'performance' ? `${card.title} | GigaVibe` : 'GigaVibe',
      intents: [
        element(Button.Link, { href: `${origin}/api/performances/${castHash}`, children: 'Listen' }),
        element(Button, { children: 'Refresh' }),
      ],
    });
  });

  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok', refusedFetches: refused() }));
  app.route('/', frog.hono);
  app.onError(createErrorHandler(logger));

  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
