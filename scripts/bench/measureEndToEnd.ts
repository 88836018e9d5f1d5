import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPublicClient, createWalletClient, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { base } from 'viem/chains';
import { devnetAccount } from '../devnet/startDevnet.ts';
import { castHash, performanceCast, reaction, signed, user } from '../neynarPayloads.ts';
import { openCoinEventSubscribers } from './coinEventSubscribers.ts';
import { readRssMb } from './framesSampleRss.ts';
import { processCpuSeconds } from './readCpu.ts';
import { freePort, startServer } from './startServer.ts';
import { formatTable, num, percentile } from './summarize.ts';

/** The devnet account that buys (anvil funds every account of the development mnemonic). */
const BUYER_INDEX = 7;
const LAUNCH_GUARD_SECONDS = 10;
const TARGET_P99_MS = 1500;

/** The end-to-end phase: the development host (src/dev.ts: embedded database, anvil automining every transaction, the
 * devnet contracts, the chain indexer every second with 0 confirmations) as a child process; a performance made viral
 * through signed webhooks until the host coins it; `subscribers` SSE subscribers to the coin; then `buys` buys spaced
 * `spacingMs` apart, each prepared by POST /api/tx/buy and sent from a funded devnet account through the router. The
 * latency of a buy, per subscriber, runs from its receipt's arrival at the benchmark (anvil mines before answering)
 * to the first `coin` event whose `market.blockNumber` is at or past the receipt's block. */
export async function measureEndToEnd(options: {
  repoRoot: string;
  subscribers: number;
  buys: number;
  spacingMs: number;
  cleanup: (step: () => Promise<void>) => void;
}): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gigavibe-bench-e2e-'));
  options.cleanup(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const started = performance.now();
  const server = await startServer({
    name: 'gigavibe dev host',
    cwd: options.repoRoot,
    entry: 'src/dev.ts',
    port,
    logFile: path.join(dataDir, 'server.log'),
    env: {
      PORT: String(port),
      DATA_DIR: dataDir,
      PUBLIC_URL: `http://localhost:${port}`,
      LOG_LEVEL: 'warn',
      VIRAL_SCORE_THRESHOLD: '5',
      VIRAL_SWEEP_SECONDS: '1',
      COIN_WORKER_SECONDS: '1',
      TRADE_CONFIRMER_SECONDS: '1',
      BUY_LAUNCH_GUARD_SECONDS: String(LAUNCH_GUARD_SECONDS),
      BUY_RATE_PER_MINUTE: '10000',
      BUY_RATE_PER_BUYER_PER_MINUTE: '10000',
      STREAM_MAX_CONNECTIONS: String(options.subscribers + 100),
      STREAM_MAX_CONNECTIONS_PER_CLIENT: String(options.subscribers + 100),
      STREAM_CONNECTS_PER_MINUTE: String(options.subscribers * 10),
    },
    timeoutMs: 240_000,
  });
  options.cleanup(() => server.stop());
  const api = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${p}`, init);
  console.log(`\nend to end: dev host up in ${num((performance.now() - started) / 1000, 1)} s`);

  // A viral performance, coined by the host's own viral sweep and coin worker.
  const secret = (await readFile(path.join(dataDir, 'neynar-webhook-secret'), 'utf8')).trim();
  const hash = castHash(Math.floor(Math.random() * 2 ** 40), 'b');
  const payloads = [
    performanceCast(hash, user(91_001, { custody_address: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' })),
    ...Array.from({ length: 12 }, (_, i) =>
      reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(92_000 + i, { score: 0.9 }), at: Date.now() }),
    ),
  ];
  for (const payload of payloads) {
    const s = await signed(secret, payload);
    const res = await api('/webhooks/neynar', { method: 'POST', body: s.body, headers: s.headers });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  }
  type Coin = { address: Hex; createdAt: string };
  const readCoin = async (): Promise<Coin | null> => {
    const res = await api(`/api/performances/${hash}`);
    if (res.ok) return ((await res.json()) as { coin: Coin | null }).coin;
    await res.body?.cancel();
    return null;
  };
  const coinDeadline = Date.now() + 120_000;
  let coin = await readCoin();
  while (coin === null && Date.now() < coinDeadline) {
    await new Promise((r) => setTimeout(r, 500));
    coin = await readCoin();
  }
  if (coin === null) throw new Error('the dev host did not coin the performance within 120 s');
  const buysFrom = Date.parse(coin.createdAt) + (LAUNCH_GUARD_SECONDS + 1) * 1000;
  console.log(
    `coin ${coin.address}; the launch guard lets buys start ${num((buysFrom - Date.now()) / 1000, 1)} s later`,
  );

  const pool = await openCoinEventSubscribers(
    `http://127.0.0.1:${port}/api/stream?coins=${coin.address}`,
    options.subscribers,
  );
  options.cleanup(async () => pool.close());
  console.log(`connected ${pool.ready()} subscribers (dev host RSS ${num(readRssMb(server.pid), 0)} MiB)`);
  if (buysFrom > Date.now()) await new Promise((r) => setTimeout(r, buysFrom - Date.now()));

  const rpcUrl = (await readFile(path.join(dataDir, 'devnet', 'rpc-url'), 'utf8')).trim();
  const chain = { ...base, rpcUrls: { default: { http: [rpcUrl] } } };
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
  const buyer = privateKeyToAccount(devnetAccount(BUYER_INDEX).privateKey);
  const wallet = createWalletClient({ account: buyer, chain, transport: http(rpcUrl) });

  const mined: { at: number; block: number; sendMs: number }[] = [];
  const cpu0 = processCpuSeconds(server.pid);
  const t0 = performance.now();
  for (let n = 0; n < options.buys; n++) {
    const wait = t0 + n * options.spacingMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const res = await api('/api/tx/buy', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ castHash: hash, buyer: buyer.address, amountEth: '0.0001' }),
    });
    if (res.status !== 200) throw new Error(`POST /api/tx/buy answered ${res.status}: ${await res.text()}`);
    const tx = (await res.json()) as { to: Hex; data: Hex; value: string };
    const sent = performance.now();
    const txHash = await wallet.sendTransaction({ to: tx.to, data: tx.data, value: BigInt(tx.value) });
    // anvil automines: the receipt exists once the send is answered; poll briefly in case it does not.
    const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, pollingInterval: 20 });
    const at = performance.now();
    if (receipt.status !== 'success') throw new Error(`buy ${n} reverted (${txHash})`);
    mined.push({ at, block: Number(receipt.blockNumber), sendMs: at - sent });
  }
  await new Promise((r) => setTimeout(r, 5000));
  const wall = (performance.now() - t0) / 1000;
  const cpu = (processCpuSeconds(server.pid) - cpu0) / wall;

  const latencies: number[] = [];
  let missing = 0;
  const perSubscriber = pool.events();
  for (const buy of mined) {
    for (const events of perSubscriber) {
      const first = events.find((e) => e.blockNumber !== null && e.blockNumber >= buy.block);
      if (first === undefined) missing += 1;
      else latencies.push(first.at - buy.at);
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  const sends = Float64Array.from(mined.map((m) => m.sendMs)).sort();
  const p99 = percentile(sorted, 0.99);
  console.log(
    `${options.buys} buys ${options.spacingMs} ms apart (anvil automine, CHAIN_CONFIRMATIONS=0, indexer every 1 s) ` +
      `to ${options.subscribers} subscribers (${latencies.length} latencies)`,
  );
  console.log(
    formatTable(
      ['(ms)', 'p50', 'p90', 'p99', 'max'],
      [
        ['receipt → coin event', ...[0.5, 0.9, 0.99, 1].map((q) => num(percentile(sorted, q), 1))],
        ['send → receipt (not in the latency)', ...[0.5, 0.9, 0.99, 1].map((q) => num(percentile(sends, q), 1))],
      ],
    ),
  );
  console.log(
    `p99 ${num(p99, 1)} ms ${p99 < TARGET_P99_MS ? '<' : '≥'} ${TARGET_P99_MS} ms target: ` +
      `${p99 < TARGET_P99_MS ? 'met' : 'MISSED'}; (buy, subscriber) pairs with no matching event: ${missing}; ` +
      `subscribers dropped: ${pool.closed()}; dev host process CPU ${num(cpu, 3)} cores ` +
      '(anvil, a child process, not counted)',
  );
  pool.close();
}
