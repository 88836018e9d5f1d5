/** `npm run frame:buy`: the frame buy flow against a local `npm start` on the devnet, end to end, as a Farcaster
 * client would drive it: sign a frame action with the development signer (registered in DATA_DIR with the buyer's
 * wallet as its verified address, which the server checks when it runs without HUB_URL), POST it to the frame's tx
 * route, send the returned transaction from a funded devnet account, POST the signed transaction id to the frame's
 * post_url, and wait for the trade to be confirmed. Development tooling only. Run with --help for the flags. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FarcasterNetwork, Message, makeFrameAction, NobleEd25519Signer } from '@farcaster/core';
import { createPublicClient, createWalletClient, erc20Abi, type Hex, hexToBytes, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { base } from 'viem/chains';
import { loadDevFarcasterSigner, registerDevVerifiedAddress } from './devnet/devFarcasterSigners.ts';
import { devnetAccount } from './devnet/startDevnet.ts';

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

const { values } = parseArgs({
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
});
if (values.help || values.cast === undefined || !/^0x[0-9a-f]{40}$/.test(values.cast)) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
const cast = values.cast;
const server = (values.server ?? `http://localhost:${process.env.PORT ?? 8787}`).replace(/\/+$/, '');
const publicUrl = (values['public-url'] ?? process.env.PUBLIC_URL ?? server).replace(/\/+$/, '');
const dataDir = values['data-dir'] ?? process.env.DATA_DIR ?? './.data';
const frameUrl = `${publicUrl}/frames/performance/${cast}`;

const signer = await loadDevFarcasterSigner(dataDir, Number(values.fid));
const ed25519 = new NobleEd25519Signer(hexToBytes(signer.privateKey));
const buyer = devnetAccount(Number(values.account));
// The server accepts a buy only from one of the fid's verified addresses: on the devnet, the development registry.
await registerDevVerifiedAddress(dataDir, signer.fid, buyer.address);

/** Sign a frame action and POST it as a Farcaster client does. */
async function post(route: string, action: { buttonIndex: number; inputText?: string; transactionId?: Hex }) {
  const message = (
    await makeFrameAction(
      {
        url: new TextEncoder().encode(frameUrl),
        buttonIndex: action.buttonIndex,
        castId: { fid: signer.fid, hash: hexToBytes(cast as Hex) },
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
  const res = await fetch(`${server}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${route} -> ${res.status} ${text}`);
  return text;
}

const rpcUrl = (await readFile(path.resolve(dataDir, 'devnet', 'rpc-url'), 'utf8').catch(() => '')).trim();
if (rpcUrl === '') {
  console.error(`No devnet RPC URL in ${dataDir}/devnet/rpc-url: start the server with npm start (no BASE_RPC_URL).`);
  process.exit(1);
}
const chain = { ...base, rpcUrls: { default: { http: [rpcUrl] } } };
const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
const wallet = createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(buyer.privateKey) });

console.log(`signer fid ${signer.fid}, buyer ${buyer.address}, frame ${frameUrl}`);
const tx = JSON.parse(
  await post(`/frames/performance/${cast}/buy`, { buttonIndex: 3, inputText: values.eth ?? '' }),
) as {
  chainId: string;
  params: { to: Hex; data: Hex; value: string };
};
console.log('transaction from the frame tx route:', JSON.stringify(tx));
const coin = await fetch(`${server}/api/performances/${cast}`)
  .then((r) => r.json() as Promise<{ coin: { address: Hex; symbol: string } | null }>)
  .then((p) => p.coin);
const before = coin
  ? await publicClient.readContract({
      address: coin.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [buyer.address],
    })
  : 0n;
const hash = await wallet.sendTransaction({ to: tx.params.to, data: tx.params.data, value: BigInt(tx.params.value) });
const receipt = await publicClient.waitForTransactionReceipt({ hash });
console.log(`sent ${hash}: ${receipt.status} in block ${receipt.blockNumber}`);
if (coin) {
  const after = await publicClient.readContract({
    address: coin.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [buyer.address],
  });
  console.log(`${coin.symbol} balance of ${buyer.address}: ${before} -> ${after}`);
}
await post(`/frames/performance/${cast}/bought`, { buttonIndex: 1, transactionId: hash });
for (let i = 0; i < 30; i++) {
  const trade = (await fetch(`${server}/api/trades/${hash}`).then((r) => r.json())) as { status?: string };
  if (trade.status !== 'pending') {
    console.log('trade:', JSON.stringify(trade));
    process.exit(trade.status === 'confirmed' ? 0 : 1);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
console.error('the trade is still pending after 30 s');
process.exit(1);
