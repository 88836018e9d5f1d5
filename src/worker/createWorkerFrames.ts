import { Hono } from 'hono';
import { FRAMES_BASE_PATH } from '../../frames/basePath.ts';
import { createFrames, type Frames } from '../../frames/createFrames.tsx';
import type { Env } from '../config/schema.ts';
import { UnavailableError } from '../errors.ts';
import { createHubSignerCheck } from '../farcaster/createHubSignerCheck.ts';
import { type AddressCheck, createHubVerificationCheck } from '../farcaster/createHubVerificationCheck.ts';
import { createFrogHub, verifiedFrameAction } from '../farcaster/frogHub.ts';
import type { SignerCheck } from '../farcaster/verifyFrameAction.ts';
import type { Logger } from '../support/logger.ts';
import type { TradingServices } from '../trading/createTradingServices.ts';
import { prepareBuy } from '../trading/prepareBuy.ts';
import type { RequestScopes } from './createRequestScopes.ts';
import { loadWorkerFonts } from './loadWorkerFonts.ts';
import { loadWorkerResvgWasm } from './loadWorkerResvgWasm.ts';

/** The frames of a Worker isolate: the real frames, or, without PUBLIC_URL, routes that only say what is missing. */
export type WorkerFrames = { configured: true; frames: Frames } | { configured: false; frames: { hono: Hono } };

/** The store methods the frames call (FramesDeps['store']). */
const FRAME_STORE_METHODS = [
  'getPerformance',
  'getBuyTarget',
  'recordFrameAction',
  'recordFrameViews',
  'recordPendingTrade',
  'getTrade',
  'pruneFrameActions',
  'isAddressOfFid',
] as const;

function unconfigured(): Hono {
  const app = new Hono();
  // Frames v1 clients show `message` from an error answer.
  app.all(`${FRAMES_BASE_PATH}/*`, (c) => c.json({ message: 'server misconfigured: PUBLIC_URL' }, 503));
  return app;
}

/** The Workers counterpart of the Node host's frames setup, built once per isolate: Inter and resvg's WebAssembly come
 * from the bundle (Data and CompiledWasm modules), the database is the calling invocation's (see createRequestScopes),
 * signed actions are verified against HUB_URL, and without HUB_URL every signed action answers 503 (never trusted
 * unverified; Workers have no devnet signer registry). Frog's state is never read, so its key is per isolate. */
export function createWorkerFrames(
  env: Env,
  deps: { scopes: RequestScopes; trading: TradingServices; logger: Logger },
): WorkerFrames {
  const { scopes, trading, logger } = deps;
  if (env.PUBLIC_URL === undefined) {
    logger.warn('no PUBLIC_URL: the frames answer 503 until it is set');
    return { configured: false, frames: { hono: unconfigured() } };
  }
  let checkSigner: SignerCheck;
  let checkAddress: AddressCheck;
  if (env.HUB_URL === undefined) {
    logger.warn('no HUB_URL: signed frame actions are refused (503) until it is set');
    checkSigner = async () => {
      throw new UnavailableError('Frame actions are not available on this server yet', undefined, 300);
    };
    checkAddress = async () => {
      throw new UnavailableError('Frame actions are not available on this server yet', undefined, 300);
    };
  } else {
    checkAddress = scopes.keepingAlive(
      createHubVerificationCheck({
        hubUrl: env.HUB_URL,
        apiKey: env.HUB_API_KEY,
        cacheSeconds: env.HUB_SIGNER_CACHE_SECONDS,
      }),
    );
    checkSigner = scopes.keepingAlive(
      createHubSignerCheck({
        hubUrl: env.HUB_URL,
        apiKey: env.HUB_API_KEY,
        cacheSeconds: env.HUB_SIGNER_CACHE_SECONDS,
      }),
    );
  }
  const stateSecret = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  const frames = createFrames(
    {
      publicUrl: env.PUBLIC_URL,
      chainId: trading.deps.chainId,
      buyBounds: trading.deps.bounds,
      ...(env.MINIAPP_URL === undefined ? {} : { miniAppUrl: env.MINIAPP_URL }),
      maxAgeSeconds: env.FRAME_MAX_AGE_SECONDS,
      stateSecret,
    },
    {
      store: scopes.store(FRAME_STORE_METHODS),
      logger,
      hub: createFrogHub({ maxAgeSeconds: env.FRAME_MAX_AGE_SECONDS, allowedOrigin: env.PUBLIC_URL, checkSigner }),
      verifiedAction: verifiedFrameAction,
      checkAddress,
      ...(trading.transactionSeen ? { transactionSeen: trading.transactionSeen } : {}),
      buy: (request) => prepareBuy(request, trading.deps),
      ...(trading.coinPrice ? { coinPrice: trading.coinPrice } : {}),
      fonts: loadWorkerFonts(),
      loadResvgWasm: loadWorkerResvgWasm,
    },
  );
  return { configured: true, frames };
}
