import type { FrogConstructorParameters } from 'frog';
import type { Abi } from 'viem';
import { z } from 'zod';
import type { AddressCheck } from '../src/farcaster/createHubVerificationCheck.ts';
import type { PerformanceStore } from '../src/performances/createPerformanceStore.ts';
import type { PerformanceViews } from '../src/performances/createPerformanceViews.ts';
import type { Logger } from '../src/support/logger.ts';
import type { TradingStore } from '../src/trading/createTradingStore.ts';
import type { TransactionLookup } from '../src/trading/createTransactionLookup.ts';
import type { FrameFontSource, ResvgWasm } from './createCardRenderer.ts';
import type { FrameStore } from './createFrameStore.ts';

const ethAmount = z.string().regex(/^\d+(\.\d{1,18})?$/, 'must be a decimal ETH amount');

import { MAX_ORIGIN_LENGTH } from './maxOriginLength.ts';

export { MAX_ORIGIN_LENGTH };

/** What the frames need from configuration (a slice of the app's Env). */
export const framesConfigSchema = z
  .object({
    /** Public origin of the server (e.g. `https://gigavibe.example`): every URL in the meta tags is built on it, and
     * signed frame actions must carry it. */
    publicUrl: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol) && new URL(u).origin === u.replace(/\/$/, ''), {
        message: 'must be a bare http(s) origin such as https://gigavibe.example',
      })
      .refine((u) => new URL(u).origin.length <= MAX_ORIGIN_LENGTH, {
        message: `must be at most ${MAX_ORIGIN_LENGTH} characters (frames v1 URLs are limited to 256 bytes)`,
      }),
    chainId: z.number().int().positive(),
    buyBounds: z.object({ min: ethAmount, max: ethAmount, default: ethAmount }),
    /** The mini app, where browsers and the Listen button go (with `?castHash=`); else the JSON API. */
    miniAppUrl: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'must be an http(s) URL' })
      .refine((u) => u.length <= 150, { message: 'must be at most 150 characters (frames v1 link limit)' })
      .optional(),
    /** Signed frame actions older than this are refused (by the hub verifier); the replay registry keeps them this
     * long plus a margin. */
    maxAgeSeconds: z.number().int().positive(),
    /** Frog's HS256 key for frame state. */
    stateSecret: z.string().min(32, 'must be at least 32 characters'),
    /** Bound of the in-memory PNG cache (default 32 MiB). */
    imageCacheBytes: z
      .number()
      .int()
      .positive()
      .default(32 * 1024 * 1024),
    /** How long an image request may reuse the performance data another request just read (default 1 s). */
    imageDataTtlMs: z.number().int().nonnegative().default(1000),
  })
  .refine((c) => Number(c.buyBounds.min) <= Number(c.buyBounds.default), {
    message: 'buyBounds.default must be at least buyBounds.min',
    path: ['buyBounds', 'default'],
  })
  .refine((c) => Number(c.buyBounds.default) <= Number(c.buyBounds.max), {
    message: 'buyBounds.default must be at most buyBounds.max',
    path: ['buyBounds', 'default'],
  });

export type FramesConfig = z.input<typeof framesConfigSchema>;

/** The facts of a verified frame action the frames use (a subset of src/farcaster/verifyFrameAction.ts's
 * VerifiedFrameAction): every one read from the signed message. */
export interface SignedFrameAction {
  fid: number;
  messageHash: `0x${string}`;
  signedAt: Date;
  url: string;
  buttonIndex: number;
  inputText: string;
  address: `0x${string}` | null;
  transactionId: `0x${string}` | null;
}

/** What the buy tx route asks for (src/trading/prepareBuy.ts's input). */
export interface FrameBuyRequest {
  castHash: string;
  buyer: `0x${string}`;
  amountText: string;
  fid: number;
  source: 'frame';
}

/** The wallet transaction of a buy (src/trading/prepareBuy.ts's PreparedBuy has these and more). */
export interface FrameBuyTransaction {
  chainId: number;
  to: `0x${string}`;
  data: `0x${string}`;
  value: bigint;
  abi: Abi;
}

/** Frog's hub option: set so every POST is verified before a handler runs. */
export type FrogHub = NonNullable<FrogConstructorParameters['hub']>;

/** Adapters the frames are built from. */
export interface FramesDeps {
  /** Their own records (actions, views), the performance read, and the trading records a buy and its report touch. */
  stores: {
    frames: FrameStore;
    performances: Pick<PerformanceStore, 'getPerformance'>;
    trading: Pick<TradingStore, 'getBuyTarget' | 'recordPendingTrade' | 'getTrade' | 'isAddressOfFid'>;
  };
  logger: Logger;
  /** Frog hub whose verifyMessage fully verifies the signed message and throws typed 4xx/503 errors
   * (src/farcaster/frogHub.ts createFrogHub). */
  hub: FrogHub;
  /** The verified action the hub stored for the exact `trustedData` object Frog passed it. */
  verifiedAction: (trustedData: object) => SignedFrameAction | undefined;
  /** Whether a signed action's address is one of the fid's verified addresses, asked when the identity bridge
   * (`stores.trading.isAddressOfFid`) does not know it: the hub's verifications (src/farcaster/createHubVerificationCheck.ts),
   * or the devnet's development registry. Throws UnavailableError (503) when it cannot tell. */
  checkAddress: AddressCheck;
  /** Whether the chain's node knows a reported transaction (src/trading/createTransactionLookup.ts); unset without a
   * chain RPC, and then reports answer 503 (never recorded unchecked). */
  transactionSeen?: TransactionLookup | undefined;
  /** Build (and record the quote of) a buy transaction; throws typed errors (src/trading/prepareBuy.ts). */
  buy: (request: FrameBuyRequest) => Promise<FrameBuyTransaction>;
  /** The one performance view (src/performances/createPerformanceViews.ts), shared with the JSON API: the frames draw
   * it, with the coin's price when the view has one, and reuse a view read a moment ago for image requests. */
  performanceViews: Pick<PerformanceViews, 'getPerformanceView' | 'recentPerformanceView'>;
  /** Bundled fonts for the images, or their loader, called on the first image (Node: `loadFrameFonts`). */
  fonts: FrameFontSource;
  /** The resvg WebAssembly binary; default (Node): read from the installed @resvg/resvg-wasm. */
  loadResvgWasm?: () => Promise<ResvgWasm>;
  now?: () => Date;
}
