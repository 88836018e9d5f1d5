/** `npm run frame:buy`: the frame buy flow against a local `npm start` on the devnet, end to end, as a Farcaster
 * client would drive it: sign a frame action with the development signer (registered in DATA_DIR with the buyer's
 * wallet as its verified address, which the server checks when it runs without HUB_URL), POST it to the frame's tx
 * route, send the returned transaction from a funded devnet account, POST the signed transaction id to the frame's
 * post_url, and wait for the trade to be confirmed. A coin inside its launch window (409 + Retry-After) is waited out;
 * any other failure is one line on stderr and exit status 1. Development tooling only. Run with --help for the flags. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FarcasterNetwork, Message, makeFrameAction, NobleEd25519Signer } from '@farcaster/core';
import { createPublicClient, createWalletClient, erc20Abi, type Hex, hexToBytes, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { base } from 'viem/chains';
import { loadDevFarcasterSigner, registerDevVerifiedAddress } from './devnet/devFarcasterSigners.ts';
import { devnetAccount } from './devnet/startDevnet.ts';
import { describeFailure, RefusedError } from './frameBuy/describeFailure.ts';
import { formatCoinAmount } from './frameBuy/formatCoinAmount.ts';
import { describeLaunchWait, parseLaunchWait } from './frameBuy/parseLaunchWait.ts';

const USAGE = `Buy a performance's coin through its frame on a local devnet server.

Usage: npm run frame:buy -- --cast <0x cast hash> [options]

Options:
  --eth <amount>      ETH to spend, typed into the frame's input (default: empty = the server's default)
  --server <url>      the running server (default: http://localhost:$PORT, PORT default 8787)
  --public-url <url>  PUBLIC_URL of the server, the origin frame actions are signed for (default: --server)
  --fid <n>           Farcaster fid of the development signer (default: 1)
  --account <i>       devnet account index that buys (default: 3)
  --data-dir <dir>    the server's DATA_DIR (default: $DATA_DIR or ./.data)
  --help              show this help`;

/** How many launch-window refusals are waited out before giving up (the guard is 15 s by default: one wait does). */
const MAX_LAUNCH_WAITS = 5;

type Performance = { coin: { address: Hex; symbol: string; createdAt: string } | null };

function parseFlags() {
  try {
    return parseArgs({
      options: {
        cast: { type: 'string' },
        eth: { type: 'string' },
        server: { type: 'string' },
        'public-url': { type: 'string' },
        fid: { type: 'string', default: '1' },
        account: { type: 'string', default: '3' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    console.error(`frame:buy: ${describeFailure(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<number> {
  const values = parseFlags();
  if (values.help || values.cast === undefined || !/^0x[0-9a-f]{40}$/.test(values.cast)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const cast = values.cast as Hex;
  const server = (values.server ?? `http://localhost:${process.env.PORT ?? 8787}`).replace(/\/+$/, '');
  const publicUrl = (values['public-url'] ?? process.env.PUBLIC_URL ?? server).replace(/\/+$/, '');
  const dataDir = values['data-dir'] ?? process.env.DATA_DIR ?? './.data';
  const frameUrl = `${publicUrl}/frames/performance/${cast}`;

  /** fetch, with a failure to connect said as such. */
  const request = async (route: string, init?: RequestInit): Promise<Response> => {
    try {
      return await fetch(`${server}${route}`, init);
    } catch (error) {
      throw new Error(`cannot reach the server at ${server} (is npm start running?): ${describeFailure(error)}`);
    }
  };
  const getJson = async <T>(route: string): Promise<T> => {
    const res = await request(route);
    const body = await res.text();
    if (!res.ok) throw new RefusedError(`GET ${route}`, { status: res.status, retryAfter: null, body });
    return JSON.parse(body) as T;
  };

  const rpcUrl = (await readFile(path.resolve(dataDir, 'devnet', 'rpc-url'), 'utf8').catch(() => '')).trim();
  if (rpcUrl === '') {
    throw new Error(
      `no devnet RPC URL in ${dataDir}/devnet/rpc-url: start the server with npm start (no BASE_RPC_URL)`,
    );
  }
  const signer = await loadDevFarcasterSigner(dataDir, Number(values.fid));
  const ed25519 = new NobleEd25519Signer(hexToBytes(signer.privateKey));
  const buyer = devnetAccount(Number(values.account));
  // The server accepts a buy only from one of the fid's verified addresses: on the devnet, the development registry.
  await registerDevVerifiedAddress(dataDir, signer.fid, buyer.address);

  /** Sign a frame action and POST it as a Farcaster client does. */
  const post = async (route: string, action: { buttonIndex: number; inputText?: string; transactionId?: Hex }) => {
    const message = (
      await makeFrameAction(
        {
          url: new TextEncoder().encode(frameUrl),
          buttonIndex: action.buttonIndex,
          castId: { fid: signer.fid, hash: hexToBytes(cast) },
          inputText: new TextEncoder().encode(action.inputText ?? ''),
          state: new Uint8Array(),
          transactionId: action.transactionId ? hexToBytes(action.transactionId) : new Uint8Array(),
          address: hexToBytes(buyer.address),
        },
        { fid: signer.fid, network: FarcasterNetwork.MAINNET },
        ed25519,
      )
    )._unsafeUnwrap();
    const body = {
      untrustedData: { fid: signer.fid, url: frameUrl, buttonIndex: action.buttonIndex, address: buyer.address },
      trustedData: { messageBytes: Buffer.from(Message.encode(message).finish()).toString('hex') },
    };
    const res = await request(route, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      throw new RefusedError(`POST ${route}`, {
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        body: text,
      });
    }
    return text;
  };

  const chain = { ...base, rpcUrls: { default: { http: [rpcUrl] } } };
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
  const wallet = createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(buyer.privateKey) });

  console.log(`signer fid ${signer.fid}, buyer ${buyer.address}, frame ${frameUrl}`);
  let coin = (await getJson<Performance>(`/api/performances/${cast}`)).coin;
  let txText: string | null = null;
  for (let waits = 0; txText === null; waits++) {
    try {
      txText = await post(`/frames/performance/${cast}/buy`, { buttonIndex: 3, inputText: values.eth ?? '' });
    } catch (error) {
      const wait = error instanceof RefusedError ? parseLaunchWait(error) : null;
      if (wait === null || waits >= MAX_LAUNCH_WAITS) throw error;
      coin ??= (await getJson<Performance>(`/api/performances/${cast}`)).coin;
      const age = coin === null ? null : (Date.now() - Date.parse(coin.createdAt)) / 1000;
      console.error(describeLaunchWait(wait, age));
      // A quarter second past the server's whole-second answer, so the next try lands outside the window.
      await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 250));
    }
  }
  const tx = JSON.parse(txText) as { chainId: string; params: { to: Hex; data: Hex; value: string } };
  console.log('transaction from the frame tx route:', JSON.stringify(tx));
  coin ??= (await getJson<Performance>(`/api/performances/${cast}`)).coin;
  const balance = (address: Hex) =>
    publicClient.readContract({ address, abi: erc20Abi, functionName: 'balanceOf', args: [buyer.address] });
  const before = coin ? await balance(coin.address) : 0n;
  const hash = await wallet.sendTransaction({
    to: tx.params.to,
    data: tx.params.data,
    value: BigInt(tx.params.value),
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  console.log(`sent ${hash}: ${receipt.status} in block ${receipt.blockNumber}`);
  if (receipt.status !== 'success') throw new Error(`the buy transaction ${hash} reverted`);
  if (coin) {
    const after = await balance(coin.address);
    console.log(
      `${coin.symbol} balance of ${buyer.address}: ${formatCoinAmount(before, coin.symbol)} -> ${formatCoinAmount(after, coin.symbol)}`,
    );
  }
  await post(`/frames/performance/${cast}/bought`, { buttonIndex: 1, transactionId: hash });
  for (let i = 0; i < 30; i++) {
    const trade = await getJson<{ status?: string; failureReason?: string | null }>(`/api/trades/${hash}`);
    if (trade.status !== 'pending') {
      console.log('trade:', JSON.stringify(trade));
      if (trade.status === 'confirmed') return 0;
      console.error(
        `frame:buy: the trade ended ${trade.status ?? 'unknown'}: ${trade.failureReason ?? 'no reason given'}`,
      );
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  console.error('frame:buy: the trade is still pending after 30 s');
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`frame:buy: ${describeFailure(error)}`);
    process.exit(1);
  },
);
