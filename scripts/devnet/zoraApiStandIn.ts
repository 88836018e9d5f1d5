/** Development tooling: a local stand-in for the two Zora API endpoints GigaVibe calls, `POST /create/content` and
 * `POST /quote`, answering for the devnet's contracts in the wire format of @zoralabs/coins-sdk 0.6.0
 * (dist/client/types.gen.d.ts: PostCreateContentData/Responses, PostQuoteData/Responses/Errors), so coins-sdk runs
 * unchanged with `setApiBaseUrl(standIn.url)`. It is started only by the devnet (`npm run devnet`, tests, and
 * `npm start` without BASE_RPC_URL) and is never mounted on the server's routes.
 * https://docs.zora.co/coins/sdk/create-coin https://docs.zora.co/coins/sdk/trade-coin
 *
 * What it cannot prove:
 * - The real API's calldata: Zora answers with its own pool configuration (multi-curve Doppler ticks, ZORA or
 *   creator-coin backing, a hook) and a Universal Router call for quotes. Here the create call is the same factory
 *   function (same selector and arguments) with a single ETH curve, and quotes call the devnet's DevSwapRouter.
 * - How Zora picks `coinSalt` (random here) and which sender it predicts the address for (`creator` here, like the
 *   real API appears to: the prediction only holds when the creator sends the transaction).
 * - Zora's validation and error texts beyond the documented shapes (400 `{error}`; 422/500
 *   `{success:"false", error, errorType}`), rate limits, and whether the real /quote requires an API key
 *   (coins-sdk 0.6.0 never sends one there, so the stand-in accepts a missing key on /quote).
 * - Sells (coin -> ETH): the real API answers a first quote with Permit2 `permits` to sign and a Universal Router
 *   call; the devnet's router pulls the coins with a plain ERC-20 allowance instead, so the stand-in answers no
 *   permits, and quotes with DevSwapRouter.quoteSell (a reverted swap), which needs no allowance.
 * - Only ETH-backed content coins on chain 8453 are supported. */

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { createTradeCall } from '@zoralabs/coins-sdk';
import { coinFactoryABI, encodeMultiCurvePoolConfig } from '@zoralabs/protocol-deployments';
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  encodeFunctionData,
  encodePacked,
  getAddress,
  getContractAddress,
  type Hex,
  http,
  keccak256,
  toHex,
  zeroAddress,
} from 'viem';
import { z } from 'zod';
import { listenOnLoopback } from '../../src/support/listenOnLoopback.ts';
import { artifactOf, compileDevContracts } from './compile.ts';
import { devSwapRouterAbi } from './devAbis.ts';
import type { Devnet } from './startDevnet.ts';

/** The devnet pool's single curve: it starts at TICK_UPPER (1e-8 ETH per coin, about 10 ETH fully diluted) and the
 * coins spread down to TICK_LOWER (about 1e-4 ETH per coin); both are multiples of the tick spacing (200). */
export const DEVNET_TICK_LOWER = 92_000;
/** Upper tick of the devnet pool's curve, where the pool starts (see DEVNET_TICK_LOWER). */
export const DEVNET_TICK_UPPER = 184_200;

/** Body of 200 from `POST /create/content` (coins-sdk 0.6.0 PostCreateContentResponses[200]). */
export type CreateContentResponse = {
  calls: { to: string; data: string; value: string }[];
  predictedCoinAddress: string;
  backingCurrency?: string;
  usedSmartWalletRouting?: boolean;
};

/** Body of 200 from `POST /quote`, typed by the SDK's own createTradeCall result (PostQuoteResponses[200]). */
export type QuoteResponse = Awaited<ReturnType<typeof createTradeCall>>;

/** A canned answer for failure injection: status and JSON body. */
export type ScriptedResponse = { status: number; body: unknown };

/** One request as the stand-in received it, with the status it answered. */
export type RecordedRequest = {
  method: string;
  pathname: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
};

/** Hostile mode for /quote, as a compromised quote service would answer: the amounts and target stay plausible,
 * but the calldata trades for another recipient, another coin, another amount (sells), with a lower minimum than the
 * request implies, or is replaced by arbitrary bytes (`data`). */
export type QuoteTamper = { recipient?: Address; coin?: Address; minAmountOut?: bigint; amountIn?: bigint; data?: Hex };

/** Hostile mode for /create/content: the factory call is built with these arguments instead of the request's
 * (the predicted address is still computed from the real request, as a liar would). */
export type CreateTamper = {
  payoutRecipient?: Address;
  owners?: Address[];
  uri?: string;
  name?: string;
  symbol?: string;
  platformReferrer?: Address;
  postDeployHook?: Address;
};

/** A running stand-in: its URL (for setApiBaseUrl / ZORA_API_BASE_URL), its requests, and failure injection. */
export type ZoraApiStandIn = {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next requests with these responses, in order, then serves normally again. */
  failNext(...responses: ScriptedResponse[]): void;
  /** Tamper with every /quote answer until called with null (tests of our calldata checks only). */
  tamperQuotes(tamper: QuoteTamper | null): void;
  /** Tamper with every /create/content answer until called with null (tests of our calldata checks only). */
  tamperCreates(tamper: CreateTamper | null): void;
  close(): Promise<void>;
};

/** Options: the devnet to answer for, and the API key to require (none: any key or none is accepted). */
export type ZoraApiStandInOptions = {
  devnet: Pick<Devnet, 'rpcUrl' | 'chain' | 'addresses'>;
  apiKey?: string;
  port?: number;
};

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

const createContentBody = z.object({
  creator: address,
  name: z.string().min(1),
  symbol: z.string().min(1),
  metadata: z.object({ type: z.literal('RAW_URI'), uri: z.string().min(1) }),
  currency: z.enum(['CREATOR_COIN', 'ZORA', 'ETH', 'CREATOR_COIN_OR_ZORA']),
  chainId: z.number().int().optional(),
  startingMarketCap: z.enum(['LOW', 'HIGH']).optional(),
  platformReferrer: address.optional(),
  additionalOwners: z.array(address).optional(),
  payoutRecipientOverride: address.optional(),
  enableSmartWalletRouting: z.boolean().optional(),
});

const token = z.object({ type: z.enum(['eth', 'erc20']), address: address.optional() });

const quoteBody = z.object({
  tokenIn: token,
  tokenOut: token,
  amountIn: z.string().regex(/^[0-9]+$/),
  slippage: z.number().min(0).max(1).optional(),
  chainId: z.number().int().optional(),
  sender: address,
  recipient: address.optional(),
  referrer: z.string().optional(),
  signatures: z.array(z.unknown()).optional(),
  permitActiveSeconds: z.number().optional(),
});

/** Starts the Zora API stand-in on 127.0.0.1 for a running devnet. */
export async function startZoraApiStandIn(options: ZoraApiStandInOptions): Promise<ZoraApiStandIn> {
  const { devnet, apiKey } = options;
  const client = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl) });
  const coinInitCodeHash = keccak256(artifactOf(await compileDevContracts(), 'DevCoin').bytecode);
  const chainId = devnet.chain.id;
  const requests: RecordedRequest[] = [];
  const scripted: ScriptedResponse[] = [];
  let quoteTamper: QuoteTamper | null = null;
  let createTamper: CreateTamper | null = null;

  const createContent = (raw: unknown): ScriptedResponse => {
    const parsed = createContentBody.safeParse(raw);
    if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
    const body = parsed.data;
    if ((body.chainId ?? 8453) !== chainId) return { status: 400, body: { error: `chainId must be ${chainId}` } };
    if (body.currency !== 'ETH') {
      return { status: 400, body: { error: `the devnet supports only ETH-backed coins, not ${body.currency}` } };
    }
    const creator = getAddress(body.creator);
    const owners = [creator, ...(body.additionalOwners ?? []).map((a) => getAddress(a))];
    const payoutRecipient = getAddress(body.payoutRecipientOverride ?? creator);
    const platformReferrer = getAddress(body.platformReferrer ?? zeroAddress);
    const poolConfig = encodeMultiCurvePoolConfig({
      currency: zeroAddress,
      tickLower: [DEVNET_TICK_LOWER],
      tickUpper: [DEVNET_TICK_UPPER],
      numDiscoveryPositions: [1],
      maxDiscoverySupplyShare: [10n ** 18n],
    });
    const coinSalt = toHex(crypto.getRandomValues(new Uint8Array(32)));
    const t = createTamper ?? {};
    const data = encodeFunctionData({
      abi: coinFactoryABI,
      functionName: 'deploy',
      args: [
        t.payoutRecipient ?? payoutRecipient,
        t.owners ?? owners,
        t.uri ?? body.metadata.uri,
        t.name ?? body.name,
        t.symbol ?? body.symbol,
        poolConfig,
        t.platformReferrer ?? platformReferrer,
        t.postDeployHook ?? zeroAddress,
        '0x',
        coinSalt,
      ],
    });
    const predictedCoinAddress = predictCoinAddress({
      factory: devnet.addresses.coinFactory,
      coinInitCodeHash,
      sender: creator,
      name: body.name,
      symbol: body.symbol,
      poolConfig,
      platformReferrer,
      coinSalt,
    });
    const response: CreateContentResponse = {
      calls: [{ to: devnet.addresses.coinFactory, data, value: '0' }],
      predictedCoinAddress,
      backingCurrency: zeroAddress,
      usedSmartWalletRouting: false,
    };
    return { status: 200, body: response };
  };

  const quote = async (raw: unknown): Promise<ScriptedResponse> => {
    const failure = (status: 422 | 500, error: string, errorType: 'LIQUIDITY' | 'UNKNOWN') => ({
      status,
      body: { success: 'false', error, errorType },
    });
    const parsed = quoteBody.safeParse(raw);
    if (!parsed.success) return failure(500, z.prettifyError(parsed.error), 'UNKNOWN');
    const body = parsed.data;
    if ((body.chainId ?? 8453) !== chainId) return failure(500, `chainId must be ${chainId}`, 'UNKNOWN');
    const amountIn = BigInt(body.amountIn);
    if (amountIn === 0n) return failure(500, 'amountIn must be greater than 0', 'UNKNOWN');
    if (body.tokenIn.type === 'erc20' && body.tokenIn.address && body.tokenOut.type === 'eth') {
      return sellQuote(getAddress(body.tokenIn.address), amountIn, body);
    }
    if (body.tokenIn.type !== 'eth' || body.tokenOut.type !== 'erc20' || !body.tokenOut.address) {
      return failure(500, 'the devnet quotes only ETH -> coin buys and coin -> ETH sells', 'UNKNOWN');
    }
    const coin = getAddress(body.tokenOut.address);
    const sender = getAddress(body.sender);
    const recipient = getAddress(body.recipient ?? body.sender);
    const slippage = body.slippage ?? 0.05;
    let amountOut: bigint;
    try {
      // Quote by running the very swap the caller will send, as the sender, against current chain state.
      const simulation = await client.simulateContract({
        address: devnet.addresses.swapRouter,
        abi: devSwapRouterAbi,
        functionName: 'buyWithEth',
        args: [coin, 0n, recipient],
        value: amountIn,
        account: sender,
      });
      amountOut = simulation.result;
    } catch (error) {
      const reverted = error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError);
      const message = error instanceof BaseError ? error.shortMessage : String(error);
      return reverted ? failure(422, `no route: ${message}`, 'LIQUIDITY') : failure(500, message, 'UNKNOWN');
    }
    // Whole basis points, rounded down like the server's own minimum: a float product such as (1 - 0.07) * 1e6
    // lands just below the exact value, and a calldata minimum one unit under the server's is refused.
    const slippageBps = BigInt(Math.round(slippage * 10_000));
    const minAmountOut = (amountOut * (10_000n - slippageBps)) / 10_000n;
    const t = quoteTamper ?? {};
    const response: QuoteResponse = {
      success: true,
      call: {
        target: devnet.addresses.swapRouter,
        data:
          t.data ??
          encodeFunctionData({
            abi: devSwapRouterAbi,
            functionName: 'buyWithEth',
            args: [t.coin ?? coin, t.minAmountOut ?? minAmountOut, t.recipient ?? recipient],
          }),
        value: amountIn.toString(),
      },
      quote: { amountOut: amountOut.toString(), slippage, tokenIn: { type: 'eth' } },
    };
    return { status: 200, body: response };
  };

  /** Coin -> ETH: quote with DevSwapRouter.quoteSell (a swap run and reverted, so the seller's balance and allowance
   * do not matter here) and answer a sellForEth call for the seller to send after approving the router. */
  const sellQuote = async (coin: Address, amountIn: bigint, body: z.infer<typeof quoteBody>) => {
    const recipient = getAddress(body.recipient ?? body.sender);
    const slippage = body.slippage ?? 0.05;
    let ethOut: bigint;
    try {
      ethOut = (
        await client.simulateContract({
          address: devnet.addresses.swapRouter,
          abi: devSwapRouterAbi,
          functionName: 'quoteSell',
          args: [coin, amountIn],
        })
      ).result;
    } catch (error) {
      const reverted = error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError);
      const message = error instanceof BaseError ? error.shortMessage : String(error);
      return reverted
        ? { status: 422, body: { success: 'false', error: `no route: ${message}`, errorType: 'LIQUIDITY' } }
        : { status: 500, body: { success: 'false', error: message, errorType: 'UNKNOWN' } };
    }
    const slippageBps = BigInt(Math.round(slippage * 10_000));
    const minEthOut = (ethOut * (10_000n - slippageBps)) / 10_000n;
    const t = quoteTamper ?? {};
    const response: QuoteResponse = {
      success: true,
      call: {
        target: devnet.addresses.swapRouter,
        data:
          t.data ??
          encodeFunctionData({
            abi: devSwapRouterAbi,
            functionName: 'sellForEth',
            args: [t.coin ?? coin, t.amountIn ?? amountIn, t.minAmountOut ?? minEthOut, t.recipient ?? recipient],
          }),
        value: '0',
      },
      quote: { amountOut: ethOut.toString(), slippage, tokenIn: { type: 'erc20', address: coin } },
    };
    return { status: 200, body: response };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://stand-in').pathname.replace(/\/+$/, '');
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // Kept as text: the endpoint's schema check rejects it.
    }
    const record: RecordedRequest = { method: req.method ?? '', pathname, headers: req.headers, body, status: 0 };
    requests.push(record);
    const answer = await (async (): Promise<ScriptedResponse> => {
      const next = scripted.shift();
      if (next) return next;
      if (req.method !== 'POST' || (pathname !== '/create/content' && pathname !== '/quote')) {
        return { status: 404, body: { error: `the Zora API stand-in does not serve ${req.method} ${pathname}` } };
      }
      const key = req.headers['api-key'];
      // coins-sdk 0.6.0 sends the key on /create/content but not on /quote (see the module comment).
      const keyRequired = apiKey !== undefined && (pathname === '/create/content' || key !== undefined);
      if (keyRequired && key !== apiKey) return { status: 401, body: { error: 'invalid or missing api-key' } };
      return pathname === '/create/content' ? createContent(body) : quote(body);
    })();
    record.status = answer.status;
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: 'false', error: String(error), errorType: 'UNKNOWN' }));
    });
  });
  const listening = await listenOnLoopback(server, options.port ?? 0);
  return {
    url: listening.url,
    requests,
    failNext: (...responses) => {
      scripted.push(...responses);
    },
    tamperQuotes: (tamper) => {
      quoteTamper = tamper;
    },
    tamperCreates: (tamper) => {
      createTamper = tamper;
    },
    close: listening.close,
  };
}

/** Predicts a dev coin's address exactly as DevCoinFactory.coinAddress computes it (CREATE2 with Zora's salt
 * layout: keccak256(abi.encodePacked(sender, name, symbol, poolConfig, platformReferrer, coinSalt))). */
export function predictCoinAddress(args: {
  factory: Address;
  coinInitCodeHash: Hex;
  sender: Address;
  name: string;
  symbol: string;
  poolConfig: Hex;
  platformReferrer: Address;
  coinSalt: Hex;
}): Address {
  const salt = keccak256(
    encodePacked(
      ['address', 'string', 'string', 'bytes', 'address', 'bytes32'],
      [args.sender, args.name, args.symbol, args.poolConfig, args.platformReferrer, args.coinSalt],
    ),
  );
  return getContractAddress({ opcode: 'CREATE2', from: args.factory, salt, bytecodeHash: args.coinInitCodeHash });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    // Bodies here are a few hundred bytes; refuse anything absurd rather than buffer it.
    if (size > 1_000_000) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
