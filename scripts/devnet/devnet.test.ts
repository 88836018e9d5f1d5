import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateConstants,
  createCoin,
  createCoinCall,
  createTradeCall,
  getCoinCreateFromLogs,
  setApiBaseUrl,
  setApiKey,
} from '@zoralabs/coins-sdk';
import { coinABI, coinFactoryABI, uniswapV4PoolManagerABI } from '@zoralabs/protocol-deployments';
import {
  type Abi,
  type AbiEvent,
  type AbiFunction,
  type Address,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodePacked,
  getAbiItem,
  hexToBigInt,
  http,
  isAddressEqual,
  keccak256,
  type Log,
  type PublicClient,
  parseEther,
  parseEventLogs,
  toEventSelector,
  toFunctionSelector,
  zeroAddress,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SWAPPED_TOPIC, swappedEventAbi } from '../../src/market/coinHookAbi.ts';
import { artifactOf, compileDevContracts } from './compile.ts';
import { devSwapRouterAbi } from './devAbis.ts';
import { type Devnet, MULTICALL3_ADDRESS, startDevnet } from './startDevnet.ts';
import { DEVNET_TICK_UPPER, startZoraApiStandIn, type ZoraApiStandIn } from './zoraApiStandIn.ts';

const COIN_CREATED_V4_TOPIC = '0x2de436107c2096e039c98bbcc3c5a2560583738ce15c234557eecb4d3221aa81';
const API_KEY = 'devnet-test-key';
const TOTAL_SUPPLY = 1_000_000_000n * 10n ** 18n;

let devnet: Devnet;
let standIn: ZoraApiStandIn;
let metadataServer: Server;
let metadataUrl: string;
let publicClient: PublicClient;

type PoolKey = { currency0: Address; currency1: Address; fee: number; tickSpacing: number; hooks: Address };

function poolIdOf(key: PoolKey): `0x${string}` {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'address' }, { type: 'address' }, { type: 'uint24' }, { type: 'int24' }, { type: 'address' }],
      [key.currency0, key.currency1, key.fee, key.tickSpacing, key.hooks],
    ),
  );
}

/** slot0 of a v4 pool through PoolManager.extsload: pools live in mapping slot 6 (v4-core StateLibrary). */
async function readSlot0(key: PoolKey): Promise<{ sqrtPriceX96: bigint; tick: number }> {
  const poolId = poolIdOf(key);
  const slot = keccak256(encodePacked(['bytes32', 'uint256'], [poolId, 6n]));
  const word = hexToBigInt(
    await publicClient.readContract({
      address: devnet.addresses.poolManager,
      abi: uniswapV4PoolManagerABI,
      functionName: 'extsload',
      args: [slot],
    }),
  );
  const sqrtPriceX96 = word & ((1n << 160n) - 1n);
  const rawTick = Number((word >> 160n) & 0xffffffn);
  return { sqrtPriceX96, tick: rawTick >= 0x800000 ? rawTick - 0x1000000 : rawTick };
}

function walletFor(privateKey: `0x${string}`) {
  return createWalletClient({
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
    account: privateKeyToAccount(privateKey),
  });
}

function balanceOf(coin: Address, owner: Address): Promise<bigint> {
  return publicClient.readContract({ address: coin, abi: coinABI, functionName: 'balanceOf', args: [owner] });
}

beforeAll(async () => {
  devnet = await startDevnet();
  standIn = await startZoraApiStandIn({ devnet, apiKey: API_KEY });
  publicClient = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), pollingInterval: 50 });
  metadataServer = createServer((_req, res) => {
    // coins-sdk accepts exactly `application/json` (a charset suffix is rejected), like our metadata route.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        name: 'Midnight Cover',
        description: 'A GigaVibe performance',
        image: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
        animation_url: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
        content: { mime: 'audio/mpeg', uri: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' },
      }),
    );
  });
  await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
  metadataUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}/metadata/0xabc.json`;
  setApiBaseUrl(standIn.url);
  setApiKey(API_KEY);
});

afterAll(async () => {
  metadataServer?.closeAllConnections();
  await new Promise<void>((resolve) => (metadataServer ? metadataServer.close(() => resolve()) : resolve()));
  await standIn?.close();
  await devnet?.stop();
});

describe('compileDevContracts', () => {
  it('gives the dev factory the exact selector of Zora content-coin deploy and the exact CoinCreatedV4 event', async () => {
    const artifacts = await compileDevContracts();
    const factoryAbi = artifactOf(artifacts, 'DevCoinFactory').abi as Abi;
    const zoraDeploy = (coinFactoryABI as Abi).find(
      (item): item is AbiFunction => item.type === 'function' && item.name === 'deploy' && item.inputs.length === 10,
    );
    const devDeploy = factoryAbi.find(
      (item): item is AbiFunction => item.type === 'function' && item.name === 'deploy',
    );
    if (!zoraDeploy || !devDeploy) throw new Error('deploy missing from an ABI');
    expect(toFunctionSelector(devDeploy)).toBe(toFunctionSelector(zoraDeploy));
    const devEvent = factoryAbi.find(
      (item): item is AbiEvent => item.type === 'event' && item.name === 'CoinCreatedV4',
    );
    if (!devEvent) throw new Error('CoinCreatedV4 missing from the dev factory');
    expect(toEventSelector(devEvent)).toBe(COIN_CREATED_V4_TOPIC);
    expect(toEventSelector(getAbiItem({ abi: coinFactoryABI, name: 'CoinCreatedV4' }))).toBe(COIN_CREATED_V4_TOPIC);
    const routerAbi = artifactOf(artifacts, 'DevSwapRouter').abi as typeof devSwapRouterAbi;
    expect(toFunctionSelector(getAbiItem({ abi: routerAbi, name: 'buyWithEth' }))).toBe(
      toFunctionSelector(getAbiItem({ abi: devSwapRouterAbi, name: 'buyWithEth' })),
    );
  });

  it('is deterministic: a fresh compile matches the cached artifacts byte for byte', async () => {
    const cached = await compileDevContracts();
    const fresh = await compileDevContracts({ cache: false });
    expect(artifactOf(fresh, 'DevCoinFactory').deployedBytecode).toBe(
      artifactOf(cached, 'DevCoinFactory').deployedBytecode,
    );
    expect(artifactOf(fresh, 'DevCoin').bytecode).toBe(artifactOf(cached, 'DevCoin').bytecode);
  });
});

describe('startDevnet', () => {
  it('runs chain 8453 on 127.0.0.1 with funded accounts and the contracts in place', async () => {
    expect(devnet.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await publicClient.getChainId()).toBe(8453);
    expect(await publicClient.getBalance({ address: devnet.accounts.platform.address })).toBeGreaterThan(
      parseEther('1000'),
    );
    for (const address of Object.values(devnet.addresses)) {
      expect((await publicClient.getCode({ address }))?.length ?? 0).toBeGreaterThan(2);
    }
    expect(devnet.addresses.coinFactory).toBe('0x777777751622c0d3258f214F9DF38E35BF45baF3');
    expect(devnet.addresses.multicall3).toBe(MULTICALL3_ADDRESS);
  });

  it('creates a coin through coins-sdk createCoin and emits the exact CoinCreatedV4 event', async () => {
    const [artist, referrer] = devnet.accounts.users;
    if (!artist || !referrer) throw new Error('devnet has too few accounts');
    const result = await createCoin({
      call: {
        creator: devnet.accounts.platform.address,
        name: 'Midnight Cover',
        symbol: 'MIDNIGHT',
        metadata: { type: 'RAW_URI', uri: metadataUrl },
        currency: CreateConstants.ContentCoinCurrencies.ETH,
        chainId: 8453,
        payoutRecipientOverride: artist.address,
        platformReferrer: referrer.address,
      },
      walletClient: walletFor(devnet.accounts.platform.privateKey),
      publicClient,
    });
    expect(result.receipt.status).toBe('success');
    const log = result.receipt.logs.find((l: Log) => isAddressEqual(l.address, devnet.addresses.coinFactory));
    expect(log?.topics[0]).toBe(COIN_CREATED_V4_TOPIC);

    const deployment = getCoinCreateFromLogs(result.receipt);
    if (!deployment) throw new Error('CoinCreatedV4 not decoded');
    const coin = deployment.coin;
    expect(result.address).toBe(coin);
    expect(deployment.caller).toBe(devnet.accounts.platform.address);
    expect(deployment.payoutRecipient).toBe(artist.address);
    expect(deployment.platformReferrer).toBe(referrer.address);
    expect(deployment.name).toBe('Midnight Cover');
    expect(deployment.symbol).toBe('MIDNIGHT');
    expect(deployment.uri).toBe(metadataUrl);
    expect(deployment.currency).toBe(zeroAddress);
    expect(deployment.poolKey).toEqual({
      currency0: zeroAddress,
      currency1: coin,
      fee: 10_000,
      tickSpacing: 200,
      hooks: devnet.addresses.coinHook,
    });
    expect(deployment.poolKeyHash).toBe(
      keccak256(
        encodeAbiParameters(
          [{ type: 'address' }, { type: 'address' }, { type: 'uint24' }, { type: 'int24' }, { type: 'address' }],
          [zeroAddress, coin, 10_000, 200, devnet.addresses.coinHook],
        ),
      ),
    );

    const read = <const F extends 'decimals' | 'totalSupply' | 'name' | 'symbol' | 'payoutRecipient' | 'poolManager'>(
      functionName: F,
    ) => publicClient.readContract({ address: coin, abi: coinABI, functionName });
    expect(await read('decimals')).toBe(18);
    expect(await read('totalSupply')).toBe(TOTAL_SUPPLY);
    expect(await read('name')).toBe('Midnight Cover');
    expect(await read('payoutRecipient')).toBe(artist.address);
    expect(await read('poolManager')).toBe(devnet.addresses.poolManager);
    const key = await publicClient.readContract({ address: coin, abi: coinABI, functionName: 'getPoolKey' });
    expect(key).toEqual(deployment.poolKey);

    // 990M went into the pool as single-sided liquidity, the rest to the payout recipient; nothing is left over.
    const inPool = await balanceOf(coin, devnet.addresses.poolManager);
    const toArtist = await balanceOf(coin, artist.address);
    expect(inPool + toArtist).toBe(TOTAL_SUPPLY);
    expect(inPool).toBeGreaterThan((TOTAL_SUPPLY * 989n) / 1000n);
    expect(inPool).toBeLessThan((TOTAL_SUPPLY * 991n) / 1000n);

    const slot0 = await readSlot0(deployment.poolKey);
    expect(slot0.sqrtPriceX96).toBeGreaterThan(0n);
    expect(slot0.tick).toBe(DEVNET_TICK_UPPER);

    const createRequest = standIn.requests.find((r) => r.pathname === '/create/content');
    expect(createRequest?.headers['api-key']).toBe(API_KEY);
  });

  it('predicts the coin address the factory then uses', async () => {
    const [artist] = devnet.accounts.users;
    if (!artist) throw new Error('devnet has too few accounts');
    const { calls, predictedCoinAddress } = await createCoinCall({
      creator: devnet.accounts.platform.address,
      name: 'Second Take',
      symbol: 'TAKE2',
      metadata: { type: 'RAW_URI', uri: metadataUrl },
      currency: CreateConstants.ContentCoinCurrencies.ETH,
      chainId: 8453,
      payoutRecipientOverride: artist.address,
    });
    const [call] = calls;
    if (!call) throw new Error('no call');
    const hash = await walletFor(devnet.accounts.platform.privateKey).sendTransaction({
      to: call.to,
      data: call.data,
      value: call.value,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const deployment = getCoinCreateFromLogs(receipt);
    expect(deployment?.coin).toBe(predictedCoinAddress);
    expect(deployment?.platformReferrer).toBe(zeroAddress);
  });

  it('serves Multicall3 at the canonical address for viem multicall', async () => {
    const { users, platform } = devnet.accounts;
    const results = await publicClient.multicall({
      allowFailure: false,
      contracts: [
        { address: MULTICALL3_ADDRESS, abi: multicall3Abi, functionName: 'getEthBalance', args: [platform.address] },
        { address: MULTICALL3_ADDRESS, abi: multicall3Abi, functionName: 'getChainId' },
        {
          address: MULTICALL3_ADDRESS,
          abi: multicall3Abi,
          functionName: 'getEthBalance',
          args: [users[0]?.address ?? zeroAddress],
        },
      ],
    });
    expect(results[0]).toBe(await publicClient.getBalance({ address: platform.address }));
    expect(results[1]).toBe(8453n);
    expect(results[2]).toBeGreaterThan(0n);
  });

  it('stops anvil', async () => {
    const other = await startDevnet();
    const client = createPublicClient({ chain: other.chain, transport: http(other.rpcUrl, { retryCount: 0 }) });
    expect(await client.getChainId()).toBe(8453);
    await other.stop();
    await other.stop();
    await expect(client.getChainId()).rejects.toThrow();
  });
});

const multicall3Abi = [
  {
    type: 'function',
    name: 'getEthBalance',
    stateMutability: 'view',
    inputs: [{ name: 'addr', type: 'address' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'getChainId',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'uint256' }],
  },
] as const;

describe('startZoraApiStandIn', () => {
  async function newCoin(symbol: string): Promise<{ coin: Address; key: PoolKey }> {
    const result = await createCoin({
      call: {
        creator: devnet.accounts.platform.address,
        name: `Coin ${symbol}`,
        symbol,
        metadata: { type: 'RAW_URI', uri: metadataUrl },
        currency: CreateConstants.ContentCoinCurrencies.ETH,
        chainId: 8453,
      },
      walletClient: walletFor(devnet.accounts.platform.privateKey),
      publicClient,
    });
    const deployment = getCoinCreateFromLogs(result.receipt);
    if (!deployment) throw new Error('no CoinCreatedV4');
    return { coin: deployment.coin, key: deployment.poolKey };
  }

  it('quotes an ETH -> coin buy whose transaction, sent by another account, delivers the coins', async () => {
    const { coin, key } = await newCoin('BUYME');
    const buyer = devnet.accounts.users[3];
    if (!buyer) throw new Error('devnet has too few accounts');
    const before = await balanceOf(coin, buyer.address);
    const priceBefore = await readSlot0(key);

    const quote = await createTradeCall({
      sell: { type: 'eth' },
      buy: { type: 'erc20', address: coin },
      amountIn: parseEther('0.5'),
      slippage: 0.05,
      sender: buyer.address,
    });
    expect(quote.call.target).toBe(devnet.addresses.swapRouter);
    expect(quote.call.value).toBe(parseEther('0.5').toString());
    const quoted = BigInt(quote.quote.amountOut);
    expect(quoted).toBeGreaterThan(0n);

    const hash = await walletFor(buyer.privateKey).sendTransaction({
      to: quote.call.target as Address,
      data: quote.call.data as `0x${string}`,
      value: BigInt(quote.call.value),
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    const after = await balanceOf(coin, buyer.address);
    expect(after - before).toBe(quoted);
    const priceAfter = await readSlot0(key);
    // Buying the coin (currency1) with ETH (currency0) lowers currency1-per-currency0: the coin got dearer.
    expect(priceAfter.sqrtPriceX96).toBeLessThan(priceBefore.sqrtPriceX96);
    // The pool's hook reports the swap with Zora's Swapped event, as on Base.
    const swapped = parseEventLogs({ abi: swappedEventAbi, logs: receipt.logs, eventName: 'Swapped' });
    expect(swapped).toHaveLength(1);
    expect(swapped[0]?.address).toBe(devnet.addresses.coinHook.toLowerCase());
    expect(swapped[0]?.topics[0]).toBe(SWAPPED_TOPIC);
    expect(swapped[0]?.args).toMatchObject({
      sender: devnet.addresses.swapRouter,
      isTrustedSwapSenderAddress: false,
      poolKeyHash: poolIdOf(key),
      isCoinBuy: true,
      amount0: -parseEther('0.5'),
      amount1: quoted,
      sqrtPriceX96: priceAfter.sqrtPriceX96,
    });

    const quoteRequest = standIn.requests.findLast((r) => r.pathname === '/quote');
    expect(quoteRequest?.headers['api-key']).toBeUndefined();
  });

  it('answers 422 LIQUIDITY for a token that has no devnet pool, in the SDK error shape', async () => {
    // coins-sdk logs the failed response with console.error before throwing; keep the test output readable.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(
      createTradeCall({
        sell: { type: 'eth' },
        buy: { type: 'erc20', address: devnet.addresses.swapRouter },
        amountIn: parseEther('1'),
        slippage: 0.05,
        sender: devnet.accounts.platform.address,
      }),
    ).rejects.toMatchObject({ errorType: 'LIQUIDITY' });
    expect(quiet).toHaveBeenCalled();
    quiet.mockRestore();
  });

  it('rejects a wrong api-key and a currency the devnet cannot back', async () => {
    setApiKey('wrong-key');
    try {
      await expect(
        createCoinCall({
          creator: devnet.accounts.platform.address,
          name: 'Nope',
          symbol: 'NOPE',
          metadata: { type: 'RAW_URI', uri: metadataUrl },
          currency: CreateConstants.ContentCoinCurrencies.ETH,
          chainId: 8453,
        }),
      ).rejects.toThrow('Failed to create content calldata');
      expect(standIn.requests.at(-1)?.status).toBe(401);
    } finally {
      setApiKey(API_KEY);
    }
    await expect(
      createCoinCall({
        creator: devnet.accounts.platform.address,
        name: 'Zora backed',
        symbol: 'ZB',
        metadata: { type: 'RAW_URI', uri: metadataUrl },
        currency: CreateConstants.ContentCoinCurrencies.ZORA,
        chainId: 8453,
      }),
    ).rejects.toThrow('Failed to create content calldata');
    expect(standIn.requests.at(-1)?.status).toBe(400);
  });

  it('replays scripted failures, then serves normally again', async () => {
    standIn.failNext({ status: 500, body: { error: 'scripted outage' } });
    const call = {
      creator: devnet.accounts.platform.address,
      name: 'Flaky',
      symbol: 'FLAKY',
      metadata: { type: 'RAW_URI' as const, uri: metadataUrl },
      currency: CreateConstants.ContentCoinCurrencies.ETH,
      chainId: 8453,
    };
    await expect(createCoinCall(call)).rejects.toThrow('Failed to create content calldata');
    const ok = await createCoinCall(call);
    expect(ok.calls[0]?.to).toBe(devnet.addresses.coinFactory);
  });
});
