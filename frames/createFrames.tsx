import { Button, type FrameContext, Frog, TextInput } from 'frog';
import { type Context, Hono, type HonoRequest } from 'hono';
import { BadRequestError, UnavailableError } from '../src/errors.ts';
import { UnverifiedAddressError } from '../src/farcaster/errors.ts';
import type { FrameActionOutcome } from '../src/farcaster/frameActionRecord.ts';
import { databaseCall } from '../src/http/databaseCall.ts';
import type { PerformanceView } from '../src/performances/createPerformanceViews.ts';
import type { Performance } from '../src/performances/types.ts';
import { errorFields } from '../src/support/logger.ts';
import {
  TooManyPendingTradesError,
  TradeReportedByOtherFidError,
  TransactionNotSeenError,
} from '../src/trading/errors.ts';
import type { Trade } from '../src/trading/types.ts';
import { FRAMES_BASE_PATH } from './basePath.ts';
import { buildPerformanceCard, buildTradeCard, type Card, NOT_FOUND_CARD } from './buildCards.ts';
import { type CardRenderer, createCardRenderer } from './createCardRenderer.ts';
import { createImageCache, type ImageCacheStats } from './createImageCache.ts';
import { createViewLog, type ViewLog } from './createViewLog.ts';
import { FrameActionReplayError, FrameMethodNotAllowedError, NoCoinToBuyError } from './errors.ts';
import {
  amountPlaceholder,
  CAST_HASH,
  castHashOfFrameUrl,
  createFrameUrls,
  explorerTxUrl,
  utf8Length,
} from './frameUrls.ts';
import { type FramePostBody, guardFrameRequests } from './guardFrameRequests.ts';
import { type FramesConfig, type FramesDeps, framesConfigSchema, type SignedFrameAction } from './types.ts';

/** The frames, built: mount `hono` on the app at `/` (its routes already start with `/frames`). */
export interface Frames {
  hono: Hono;
  /** Batched analytics of unsigned GETs: call `stop()` on shutdown (Workers: `flush()` in waitUntil). */
  viewLog: Pick<ViewLog, 'flush' | 'stop' | 'pending'>;
  imageCache: { stats(): ImageCacheStats };
  /** Load fonts and WebAssembly and draw one image, so the first real request is not a cold render. */
  warm(): Promise<void>;
  /** Drop replay-registry rows that are too old to be replayed (older than maxAgeSeconds plus a margin). */
  pruneFrameActions(): Promise<number>;
}

const TX_HASH = /^0x[0-9a-f]{64}$/;
const IMAGE_FILE = /^([0-9a-f]{16})\.png$/;
const IMMUTABLE = 'public, immutable, no-transform, max-age=31536000';
const SHORT = 'public, max-age=60';
const FRAME_HTML = 'public, max-age=60';
/** Replay-registry rows are kept this much longer than the accepted message age (clock skew, slow requests). */
const PRUNE_MARGIN_SECONDS = 600;

type FrameActionKind = 'refresh' | 'buy_tx' | 'bought' | 'trade_refresh';

/** A performance view with its card drawn. */
interface DrawnView {
  view: PerformanceView;
  card: Card;
  version: string;
}

/** Performance frames (frames v1, Frog 0.18.3) under `/frames`: the frame of a performance with its live engagement
 * and coin (GET, and Refresh as a signed POST), its content-versioned PNG image, the Buy transaction (tx route) and
 * the signed report after the wallet sent it. Every POST is verified by `deps.hub` before a handler runs; handlers
 * read only the verified action. Specs: https://github.com/farcasterxyz/docs/blob/6dbdc1d/docs/reference/frames/spec.md
 * (frames v1) and https://frog.fm (Frog). */
export function createFrames(config: FramesConfig, deps: FramesDeps): Frames {
  const settings = framesConfigSchema.parse(config);
  const { stores, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const urls = createFrameUrls(settings.publicUrl, settings.miniAppUrl);
  const renderer = createCardRenderer({
    fonts: deps.fonts,
    loadResvgWasm: deps.loadResvgWasm ?? (() => import('./loadResvgWasm.ts').then((module) => module.loadResvgWasm())),
  });
  const cache = createImageCache(settings.imageCacheBytes);
  const viewLog = createViewLog({ write: (views) => stores.frames.recordFrameViews(views), logger });
  const bodies = new WeakMap<HonoRequest, FramePostBody>();
  const frameGets = new WeakMap<HonoRequest, string>();
  const placeholder = amountPlaceholder(settings.buyBounds.default);

  const { getPerformanceView, recentPerformanceView } = deps.performanceViews;
  const drawings = new WeakMap<PerformanceView, Promise<DrawnView>>();
  /** The card of a view, drawn once per view (requests that shared the view's read share its drawing). */
  const draw = (view: PerformanceView): Promise<DrawnView> => {
    let drawn = drawings.get(view);
    if (drawn === undefined) {
      drawn = (async () => {
        const tools = await renderer();
        const card = buildPerformanceCard(view.performance, view.market?.priceEth ?? null, tools.clean);
        return { view, card, version: await tools.version(card) };
      })();
      drawings.set(view, drawn);
      drawn.catch(() => drawings.delete(view));
    }
    return drawn;
  };

  /** Read the performance's view (src/performances/createPerformanceViews.ts: concurrent reads share one database
   * round trip, except `fresh` ones) and draw its card. */
  const loadView = async (castHash: string, options: { fresh?: boolean } = {}): Promise<DrawnView | null> => {
    const view = await getPerformanceView(castHash, options);
    return view === null ? null : draw(view);
  };

  /** The performance's current card for an image request. A view read within imageDataTtlMs whose card has the
   * requested version is reused as is; one read within 30 times that is reused while a background read refreshes it
   * (so hot images never wait for the database); otherwise the request reads the database. */
  const currentView = async (castHash: string, requested: string): Promise<DrawnView | null> => {
    const recent = recentPerformanceView(castHash);
    if (recent === undefined) return loadView(castHash);
    const cached = await draw(recent);
    if (cached.version !== requested) return loadView(castHash);
    const age = Date.now() - recent.readAt;
    if (age <= settings.imageDataTtlMs) return cached;
    if (age <= settings.imageDataTtlMs * 30) {
      loadView(castHash).catch((error: unknown) =>
        logger.warn('frame image data refresh failed', { castHash, ...errorFields(error) }),
      );
      return cached;
    }
    return loadView(castHash);
  };

  /** Verify-side checks common to every POST: the hub verified the message (Frog ran it before the handler), it
   * was signed on this performance's frame, it carries what this route needs, and it was never used before. */
  const accept = async (
    req: HonoRequest,
    kind: FrameActionKind,
    require?: (action: SignedFrameAction) => void,
    data?: (action: SignedFrameAction) => Record<string, unknown>,
  ): Promise<{ action: SignedFrameAction; castHash: string; outcome: FrameActionOutcome }> => {
    const body = bodies.get(req);
    const action = body === undefined ? undefined : deps.verifiedAction(body.trustedData);
    if (action === undefined) throw new BadRequestError('This frame action could not be verified');
    const routeHash = req.param('castHash') ?? '';
    const castHash = castHashOfFrameUrl(action.url, urls.origin);
    if (castHash === null || !CAST_HASH.test(routeHash) || castHash !== routeHash.toLowerCase()) {
      throw new BadRequestError('This action was signed for another frame');
    }
    if (!Number.isInteger(action.buttonIndex) || action.buttonIndex < 1 || action.buttonIndex > 4) {
      throw new BadRequestError('Invalid button');
    }
    require?.(action);
    const outcome = await databaseCall(
      stores.frames.recordFrameAction({
        messageHash: action.messageHash.toLowerCase(),
        fid: action.fid,
        castHash,
        action: kind,
        buttonIndex: action.buttonIndex,
        signedAt: action.signedAt,
        ...(data === undefined ? {} : { data: data(action) }),
      }),
    );
    if (outcome.status === 'replay') throw new FrameActionReplayError();
    return { action, castHash, outcome };
  };

  /** Refuse a signed action whose address is not one of the fid's verified addresses (the identity bridge first,
   * then `deps.checkAddress`): anyone may sign any address into their own action, and a buy or a reported trade must
   * not be built for, or attributed to, someone else's wallet. 403, or 503 when the hub cannot tell. */
  const assertOwnAddress = async (action: SignedFrameAction): Promise<void> => {
    if (action.address === null) throw new BadRequestError('Connect a wallet to buy');
    const address = action.address.toLowerCase() as `0x${string}`;
    if (await databaseCall(stores.trading.isAddressOfFid(action.fid, address))) return;
    if (await deps.checkAddress(action.fid, address)) return;
    throw new UnverifiedAddressError();
  };

  const listenHref = (performance: Performance): string => {
    const audio = performance.audio?.url;
    if (audio?.startsWith('https://') && URL.canParse(audio) && utf8Length(audio) <= 256) {
      return audio;
    }
    return urls.performancePage(performance.castHash);
  };

  const frog = new Frog({
    title: 'GigaVibe',
    basePath: FRAMES_BASE_PATH,
    origin: urls.origin,
    hub: deps.hub,
    verify: true,
    verifyOrigin: false,
    secret: settings.stateSecret,
    imageAspectRatio: '1.91:1',
  });
  /** What the frame builders need from Frog's handler context. */
  type FrameResponder = Pick<FrameContext, 'res'>;

  const performanceFrame = (c: FrameResponder, drawn: DrawnView, initial: boolean) => {
    const { card } = drawn;
    const { performance } = drawn.view;
    const castHash = performance.castHash;
    const coin = performance.coin;
    const symbol = card.kind === 'performance' && card.coin !== null ? card.coin.symbol : 'COIN';
    return c.res({
      action: urls.frame(castHash),
      image: urls.image(castHash, drawn.version),
      imageAspectRatio: '1.91:1',
      title: card.kind === 'performance' ? `${card.title} | GigaVibe` : 'GigaVibe',
      headers: { 'cache-control': initial ? FRAME_HTML : 'no-store' },
      ...(initial ? { browserLocation: urls.performancePage(castHash) } : {}),
      intents: [
        ...(coin === null ? [] : [<TextInput placeholder={placeholder} />]),
        <Button.Link href={listenHref(performance)}>Listen</Button.Link>,
        <Button>Refresh</Button>,
        ...(coin === null
          ? []
          : [
              <Button.Transaction target={urls.buyTarget(castHash)} action={urls.bought(castHash)}>
                {`Buy $${symbol}`}
              </Button.Transaction>,
            ]),
      ],
    });
  };

  const notFoundFrame = async (c: FrameResponder, initial: boolean) => {
    const tools = await renderer();
    const home = settings.miniAppUrl ?? urls.origin;
    return c.res({
      action: `${urls.origin}${FRAMES_BASE_PATH}/not-found`,
      image: urls.notFoundImage(await tools.version(NOT_FOUND_CARD)),
      imageAspectRatio: '1.91:1',
      title: 'Performance not found | GigaVibe',
      headers: { 'cache-control': initial ? SHORT : 'no-store' },
      ...(initial ? { browserLocation: home } : {}),
      intents: [<Button.Link href={home}>Open GigaVibe</Button.Link>],
    });
  };

  const tradeFrame = async (c: FrameResponder, castHash: string, trade: TradeSummary) => {
    const performance = await databaseCall(stores.performances.getPerformance(castHash));
    const tools = await renderer();
    const card = buildTradeCard(performance, trade, tools.clean);
    const explorer = explorerTxUrl(settings.chainId, trade.txHash);
    return c.res({
      action: urls.tradeFrame(castHash, trade.txHash),
      image: urls.tradeImage(castHash, trade.txHash, await tools.version(card)),
      imageAspectRatio: '1.91:1',
      title: 'Coin purchase | GigaVibe',
      headers: { 'cache-control': 'no-store' },
      intents: [
        ...(explorer === null ? [] : [<Button.Link href={explorer}>View transaction</Button.Link>]),
        <Button>Refresh</Button>,
        <Button action={urls.frame(castHash)}>Back</Button>,
      ],
    });
  };

  frog.frame('/performance/:castHash', async (c) => {
    if (c.req.method === 'POST') {
      const { castHash } = await accept(c.req, 'refresh');
      const view = await loadView(castHash, { fresh: true });
      return view === null ? notFoundFrame(c, false) : performanceFrame(c, view, false);
    }
    const raw = c.req.param('castHash');
    if (!CAST_HASH.test(raw)) return notFoundFrame(c, true);
    const castHash = raw.toLowerCase();
    const view = await loadView(castHash);
    if (view === null) return notFoundFrame(c, true);
    frameGets.set(c.req, castHash);
    return performanceFrame(c, view, true);
  });

  frog.transaction('/performance/:castHash/buy', async (c) => {
    const { action, castHash } = await accept(c.req, 'buy_tx', (a) => {
      if (a.address === null) throw new BadRequestError('Connect a wallet to buy');
    });
    await assertOwnAddress(action);
    const typed = action.inputText.trim();
    const tx = await deps.buy({
      castHash,
      buyer: action.address as `0x${string}`,
      amountText: typed === '' ? settings.buyBounds.default : typed,
      fid: action.fid,
      source: 'frame',
    });
    return c.res({
      chainId: `eip155:${tx.chainId}` as Parameters<typeof c.res>[0]['chainId'],
      method: 'eth_sendTransaction',
      attribution: false,
      params: { abi: tx.abi, to: tx.to, data: tx.data, value: tx.value },
    });
  });

  frog.frame('/performance/:castHash/bought', async (c) => {
    if (c.req.method !== 'POST') throw new FrameMethodNotAllowedError();
    const { action, castHash } = await accept(
      c.req,
      'bought',
      (a) => {
        if (a.transactionId === null || !TX_HASH.test(a.transactionId.toLowerCase())) {
          throw new BadRequestError('The transaction id is missing');
        }
        if (a.address === null) throw new BadRequestError('Connect a wallet to buy');
      },
      (a) => ({ txHash: a.transactionId?.toLowerCase() }),
    );
    await assertOwnAddress(action);
    const target = await databaseCall(stores.trading.getBuyTarget(castHash));
    if (target?.coin == null) throw new NoCoinToBuyError();
    const txHash = (action.transactionId as `0x${string}`).toLowerCase() as `0x${string}`;
    // Only a transaction the chain knows becomes a pending trade: made-up hashes would each keep the confirmer busy.
    if (deps.transactionSeen === undefined) {
      throw new UnavailableError('Trade reports are not available on this server yet', undefined, 300);
    }
    if (!(await deps.transactionSeen(txHash))) throw new TransactionNotSeenError();
    const outcome = await databaseCall(
      stores.trading.recordPendingTrade({
        source: 'frame',
        chainId: settings.chainId,
        txHash,
        fid: action.fid,
        buyer: (action.address as string).toLowerCase(),
        coinAddress: target.coin.address,
      }),
    );
    if (!outcome.recorded) {
      throw outcome.reason === 'other_fid' ? new TradeReportedByOtherFidError() : new TooManyPendingTradesError();
    }
    return tradeFrame(c, castHash, outcome);
  });

  frog.frame('/performance/:castHash/trade/:txHash', async (c) => {
    if (c.req.method !== 'POST') throw new FrameMethodNotAllowedError();
    const { castHash } = await accept(c.req, 'trade_refresh');
    const txHash = c.req.param('txHash').toLowerCase();
    if (!TX_HASH.test(txHash)) throw new BadRequestError('Invalid transaction hash');
    const trade = await databaseCall(stores.trading.getTrade(settings.chainId, txHash));
    if (trade === null) throw new BadRequestError('This transaction was never reported');
    return tradeFrame(c, castHash, trade);
  });

  const app = new Hono();
  app.use(`${FRAMES_BASE_PATH}/*`, guardFrameRequests(bodies));
  app.use(`${FRAMES_BASE_PATH}/performance/:castHash`, async (c, next) => {
    await next();
    const castHash = frameGets.get(c.req);
    if (castHash !== undefined) {
      viewLog.record({ castHash, kind: c.res.status === 302 ? 'browser' : 'frame', at: now() });
    }
  });

  /** Answer an image request: 304 when the client has the current version; cached bytes or one render otherwise.
   * A URL naming the current version is immutable; an older version gets the current image, briefly cacheable. */
  const serveImage = async (c: Context, requested: string | null, key: string, card: Card, version: string) => {
    const etag = `"${version}"`;
    c.header('ETag', etag);
    c.header('Cache-Control', requested === version ? IMMUTABLE : SHORT);
    if (matchesEtag(c.req.header('if-none-match'), version)) return c.body(null, 304);
    const tools = await renderer();
    const png = await cache.getOrRender(`${key}:${version}`, () => tools.render(card));
    c.header('Content-Type', 'image/png');
    return c.body(png as Uint8Array<ArrayBuffer>, 200);
  };

  app.get(`${FRAMES_BASE_PATH}/performance/:castHash/image/:file`, async (c) => {
    const raw = c.req.param('castHash');
    const requested = IMAGE_FILE.exec(c.req.param('file'))?.[1] ?? null;
    if (requested === null) return c.json({ message: 'Image not found' }, 404);
    if (!CAST_HASH.test(raw)) return c.json({ message: 'Image not found' }, 404);
    const castHash = raw.toLowerCase();
    const view = await currentView(castHash, requested);
    if (view === null) {
      const tools = await renderer();
      return serveImage(c, requested, 'not-found', NOT_FOUND_CARD, await tools.version(NOT_FOUND_CARD));
    }
    viewLog.record({ castHash, kind: 'image', at: now() });
    return serveImage(c, requested, castHash, view.card, view.version);
  });

  app.get(`${FRAMES_BASE_PATH}/performance/:castHash/trade/:txHash/image/:file`, async (c) => {
    const raw = c.req.param('castHash');
    const txHash = c.req.param('txHash').toLowerCase();
    const requested = IMAGE_FILE.exec(c.req.param('file'))?.[1] ?? null;
    if (requested === null || !CAST_HASH.test(raw) || !TX_HASH.test(txHash)) {
      return c.json({ message: 'Image not found' }, 404);
    }
    const castHash = raw.toLowerCase();
    const [trade, performance] = await Promise.all([
      databaseCall(stores.trading.getTrade(settings.chainId, txHash)),
      databaseCall(stores.performances.getPerformance(castHash)),
    ]);
    // Anyone can mint transaction hashes and cast hashes: only a reported trade of this performance's coin is drawn,
    // and it is cached under the trade's id, so unverified URL parts never become cache keys or renders.
    if (trade === null || performance?.coin?.address.toLowerCase() !== trade.coinAddress.toLowerCase()) {
      return c.json({ message: 'Image not found' }, 404);
    }
    const tools = await renderer();
    const card = buildTradeCard(performance, trade, tools.clean);
    return serveImage(c, requested, `trade:${trade.id}`, card, await tools.version(card));
  });

  app.get(`${FRAMES_BASE_PATH}/not-found/image/:file`, async (c) => {
    const requested = IMAGE_FILE.exec(c.req.param('file'))?.[1] ?? null;
    if (requested === null) return c.json({ message: 'Image not found' }, 404);
    const tools = await renderer();
    return serveImage(c, requested, 'not-found', NOT_FOUND_CARD, await tools.version(NOT_FOUND_CARD));
  });

  app.route('/', frog.hono);

  return {
    hono: app,
    viewLog,
    imageCache: cache,
    async warm() {
      const tools: CardRenderer = await renderer();
      await cache.getOrRender(`not-found:${await tools.version(NOT_FOUND_CARD)}`, () => tools.render(NOT_FOUND_CARD));
    },
    pruneFrameActions: () =>
      stores.frames.pruneFrameActions(
        new Date(now().getTime() - (settings.maxAgeSeconds + PRUNE_MARGIN_SECONDS) * 1000),
      ),
  };
}

/** A recorded trade as the confirmation frame needs it. */
type TradeSummary = Pick<Trade, 'status' | 'amountInWei' | 'txHash'>;

/** If-None-Match (a list, possibly weak or `*`) names `version`. */
function matchesEtag(header: string | undefined, version: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === `"${version}"` || t === `W/"${version}"`;
  });
}
