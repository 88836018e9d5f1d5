/** Test harness for the performance frames: the real frames (real Frog, real hub verifier against the hub stand-in,
 * real fonts and renderer) over a test database, mounted under a parent Hono with the app's error handler, plus
 * parsers for what frames v1 clients read (meta tags, PNG header). */
import { Hono } from 'hono';
import type { FrameFont } from '../../frames/createCardRenderer.ts';
import { createFrames, type Frames } from '../../frames/createFrames.tsx';
import { loadFrameFonts } from '../../frames/loadFrameFonts.ts';
import type { FrameBuyRequest, FrameBuyTransaction, FramesConfig, FramesDeps } from '../../frames/types.ts';
import { type HubStandIn, startHubStandIn } from '../../scripts/devnet/hubStandIn.ts';
import { createHubSignerCheck } from '../../src/farcaster/createHubSignerCheck.ts';
import { createHubVerificationCheck } from '../../src/farcaster/createHubVerificationCheck.ts';
import { createFrogHub, verifiedFrameAction } from '../../src/farcaster/frogHub.ts';
import { createErrorHandler } from '../../src/http/onError.ts';
import { createPerformanceViews } from '../../src/performances/createPerformanceViews.ts';
import { silentLogger } from '../../src/support/logger.ts';
import type { TestDatabase } from './databases.ts';

export const PUBLIC_URL = 'https://frames.gigavibe.example';
export const MINI_APP_URL = 'https://app.gigavibe.example/miniapp';
export const STATE_SECRET = 'frames-test-state-secret-0123456789abcdef';
export const FAKE_ROUTER = '0x00000000000000000000000000000000000a11ce' as const;
export const FAKE_CALLDATA = '0xdeadbeef0000000000000000000000000000000000000000000000000000000000000001' as const;
export const FAKE_ABI = [
  {
    type: 'function',
    name: 'buy',
    stateMutability: 'payable',
    inputs: [{ name: 'minOut', type: 'uint256' }],
    outputs: [],
  },
] as const;

let fontsOnce: Promise<FrameFont[]> | undefined;
/** The bundled fonts, read once per test file. */
export function testFonts(): Promise<FrameFont[]> {
  fontsOnce ??= loadFrameFonts();
  return fontsOnce;
}

export function framesConfig(overrides: Partial<FramesConfig> = {}): FramesConfig {
  return {
    publicUrl: PUBLIC_URL,
    chainId: 8453,
    buyBounds: { min: '0.0001', max: '1', default: '0.001' },
    miniAppUrl: MINI_APP_URL,
    maxAgeSeconds: 600,
    stateSecret: STATE_SECRET,
    imageDataTtlMs: 0,
    ...overrides,
  };
}

export interface FramesHarness {
  frames: Frames;
  /** The parent app: frames mounted at `/`, with the app's error handler. */
  app: Hono;
  hub: HubStandIn;
  /** Every request the fake `buy` received. */
  buys: FrameBuyRequest[];
  /** Make the fake `buy` throw this (null: answer the fixed transaction again). */
  failBuyWith(error: Error | null): void;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POST a frames v1 body (JSON) to a path. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** Frames over `db` with the real hub verifier (Frog hub + signer check against the hub stand-in), the real address
 * check (identity bridge, then the hub stand-in's verifications), a fake buy that answers a fixed transaction, and a
 * chain that has seen every transaction (override `deps.transactionSeen`). */
export async function startFramesHarness(
  db: TestDatabase,
  options: { config?: Partial<FramesConfig>; deps?: Partial<FramesDeps>; hubMaxAgeSeconds?: number } = {},
): Promise<FramesHarness> {
  const hub = await startHubStandIn();
  const checkSigner = createHubSignerCheck({ hubUrl: hub.url, cacheSeconds: 0 });
  const buys: FrameBuyRequest[] = [];
  let buyFailure: Error | null = null;
  const frames = createFrames(framesConfig(options.config), {
    stores: db.stores,
    logger: silentLogger,
    hub: createFrogHub({
      maxAgeSeconds: options.hubMaxAgeSeconds ?? 600,
      allowedOrigin: new URL(options.config?.publicUrl ?? PUBLIC_URL).origin,
      checkSigner,
    }),
    verifiedAction: verifiedFrameAction,
    checkAddress: createHubVerificationCheck({ hubUrl: hub.url, cacheSeconds: 0 }),
    transactionSeen: async () => true,
    buy: async (request): Promise<FrameBuyTransaction> => {
      buys.push(request);
      if (buyFailure !== null) throw buyFailure;
      return { chainId: 8453, to: FAKE_ROUTER, data: FAKE_CALLDATA, value: 2_000_000_000_000_000n, abi: [...FAKE_ABI] };
    },
    performanceViews: createPerformanceViews({
      stores: db.stores,
      coinPrice: async () => ({ ethPerCoin: '0.000001234567' }),
      logger: silentLogger,
    }),
    fonts: await testFonts(),
    ...options.deps,
  });
  const app = new Hono();
  app.onError(createErrorHandler(silentLogger));
  app.route('/', frames.hono);
  const request = (path: string, init?: RequestInit) =>
    Promise.resolve(app.request(path.startsWith('http') ? path : `${PUBLIC_URL}${path}`, init));
  return {
    frames,
    app,
    hub,
    buys,
    failBuyWith: (error) => {
      buyFailure = error;
    },
    request,
    post: (path, body, headers = {}) =>
      request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async close() {
      await frames.viewLog.stop();
      await hub.close();
    },
  };
}

/** `<meta property content>` tags of an HTML page, in document order (HTML entities decoded). */
export function metaTags(html: string): { property: string; content: string }[] {
  const tags: { property: string; content: string }[] = [];
  for (const match of html.matchAll(/<meta\s+([^>]*?)\/?>/g)) {
    const attributes = new Map<string, string>();
    for (const attribute of (match[1] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) {
      attributes.set(attribute[1] ?? '', decodeEntities(attribute[2] ?? ''));
    }
    const property = attributes.get('property');
    if (property !== undefined) tags.push({ property, content: attributes.get('content') ?? '' });
  }
  return tags;
}

/** The meta tags as a map (the first occurrence of each property wins, as clients read them). */
export function metaMap(html: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const tag of metaTags(html)) if (!map.has(tag.property)) map.set(tag.property, tag.content);
  return map;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Width and height from a PNG's IHDR chunk; throws unless the bytes start with the PNG signature and IHDR. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error('not a PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new Error('first chunk is not IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** UTF-8 byte length. */
export const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Give a performance its confirmed coin the way the coin worker does: a queue job, its intent, then confirm_coin
 * (store.confirmCoin). Returns the coin address. */
export async function giveCoin(db: TestDatabase, castHash: string, symbol = 'VIBE'): Promise<`0x${string}`> {
  const rows = await db.sql.query<{ id: string }>(
    `insert into public.viral_queue (performance_id, detection_score)
     select id, 1 from public.performances where cast_hash = $1 returning id::text`,
    [castHash],
  );
  const job = Number(rows[0]?.id);
  const worker = `frames-test-${job}`;
  const claimed = await db.stores.coins.claimViralJobs(worker, 100, 60);
  if (!claimed.some((j) => j.id === job)) throw new Error(`job ${job} was not claimable`);
  const address = `0x${castHash.slice(4, 42)}cc` as `0x${string}`;
  await db.stores.coins.recordCoinIntent(job, worker, {
    sender: `0x${'a'.repeat(40)}`,
    nonce: job,
    expectedCoinAddress: address,
    chainId: 8453,
  });
  const outcome = await db.stores.coins.confirmCoin(
    job,
    {
      coinAddress: address,
      symbol,
      name: 'Test coin',
      txHash: `0x${job.toString(16).padStart(64, '0')}`,
      blockNumber: 1n,
      poolKey: null,
      poolId: `0x${'b'.repeat(64)}`,
      createdAt: new Date(Date.now() - 3_600_000),
    },
    worker,
  );
  if (!outcome.ok) throw new Error(`confirmCoin failed: ${JSON.stringify(outcome)}`);
  return address;
}
