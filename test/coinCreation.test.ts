import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { coinABI, coinFactoryABI } from '@zoralabs/protocol-deployments';
import { type Address, type Hex, isAddressEqual, type TransactionReceipt, toFunctionSelector, zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Devnet, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { startZoraApiStandIn, type ZoraApiStandIn } from '../scripts/devnet/zoraApiStandIn.ts';
import { castDeleted, castHash, performanceCast, reaction, type UserShape, user } from '../scripts/neynarPayloads.ts';
import { coinMetadataUrl } from '../src/coins/coinMetadataUrl.ts';
import { type CoinChain, createCoinChain } from '../src/coins/createCoinChain.ts';
import { type CoinWorker, type CoinWorkerOptions, createCoinWorker } from '../src/coins/createCoinWorker.ts';
import type { CoinFaults } from '../src/coins/createPerformanceCoin.ts';
import { readCoinChainSettings } from '../src/coins/readCoinChainSettings.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { silentLogger } from '../src/support/logger.ts';
import { closedPort } from './support/closedPort.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { deliverToStore } from './support/deliverToStore.ts';
import { type TestApp, testApp } from './support/testApp.ts';
import { jobsFor, setParams } from './support/viralFixtures.ts';

const API_KEY = 'coin-test-key';

let devnet: Devnet;
let standIn: ZoraApiStandIn;

beforeAll(async () => {
  devnet = await startDevnet();
  standIn = await startZoraApiStandIn({ devnet, apiKey: API_KEY });
});
afterAll(async () => {
  await standIn?.close();
  await devnet?.stop();
});

describe('readCoinChainSettings', () => {
  it('names what is missing, and never needs the Zora key to run', () => {
    expect(readCoinChainSettings(loadConfig({}))).toEqual({
      ok: false,
      reason: 'coin creation is not configured: set BASE_RPC_URL and PLATFORM_PRIVATE_KEY',
    });
    const key = `0x${'1'.repeat(64)}` as const;
    const ok = readCoinChainSettings(
      loadConfig({ BASE_RPC_URL: 'http://127.0.0.1:1', CHAIN_ID: '84532', PLATFORM_PRIVATE_KEY: key }),
    );
    expect(ok.ok && ok.settings.chainId).toBe(84532);
  });
});

describe.each(databaseTargets())('coin creation on the devnet with $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let app: TestApp;
  let server: ReturnType<typeof serve>;
  let publicUrl: string;
  let chain: CoinChain;
  let fid = 30_000 + Math.floor(Math.random() * 1_000_000);
  const workers: CoinWorker[] = [];

  beforeAll(async () => {
    db = await target.create();
    await setParams(db, { threshold: 1, min_unique_engagers: 1 });
    app = testApp(db);
    server = serve({ fetch: app.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    chain = createCoinChain(
      {
        rpcUrl: devnet.rpcUrl,
        chainId: 8453,
        privateKey: devnet.accounts.platform.privateKey,
        zoraApiKey: API_KEY,
        zoraApiBaseUrl: standIn.url,
        platformReferrer: devnet.accounts.users[7]?.address,
      },
      { pollingIntervalMs: 50 },
    );
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.close();
  });

  const worker = (extra: Partial<CoinWorkerOptions> = {}) => {
    const w = createCoinWorker({
      store: db.stores.coins,
      logger: silentLogger,
      chain,
      publicUrl,
      leaseSeconds: 60,
      ...extra,
    });
    workers.push(w);
    return w;
  };

  /** A performance by a new artist (wallet = a devnet account unless given) pushed over the threshold. */
  const viralPerformance = async (withWallet = true): Promise<{ hash: string; artist: Address; job: number }> => {
    const wallet = devnet.accounts.users[fid % 7]?.address ?? zeroAddress;
    const { custody_address: _custody, ...walletless } = user(++fid);
    const artist: UserShape = withWallet ? { ...walletless, custody_address: wallet.toLowerCase() } : walletless;
    const hash = castHash(Math.floor(Math.random() * 2 ** 40), 'a');
    const fans = [user(++fid, { score: 0.9 }), user(++fid, { score: 0.9 })];
    await deliverToStore(db.stores.ingest, [
      performanceCast(hash, artist),
      ...fans.map((f, i) => reaction({ kind: 'created', type: 1, castHash: hash, reactor: f, at: Date.now() + i })),
    ]);
    await db.stores.viral.sweepViral();
    expect(await jobsFor(db, hash)).toBe(1);
    const rows = await db.sql.query<{ id: string }>(
      `select q.id::text as id from public.viral_queue q join public.performances p on p.id = q.performance_id
       where p.cast_hash = $1`,
      [hash],
    );
    const job = Number(rows[0]?.id);
    // Every other job is pushed out of reach, so each test's worker claims only its own.
    await db.sql.query(
      `update public.viral_queue set next_attempt_at = now() + interval '1 day'
       where status in ('pending', 'submitting', 'submitted') and id <> $1`,
      [job],
    );
    return { hash, artist: wallet, job };
  };

  const jobRow = async (id: number) =>
    (
      await db.sql.query<{
        status: string;
        attempts: number;
        last_error: string | null;
        wait_reason: string | null;
        tx_hash: string | null;
        nonce: number | null;
        coin_address: string | null;
        due_in: number;
      }>(
        `select status, attempts, last_error, wait_reason, tx_hash, nonce::int as nonce, coin_address,
           extract(epoch from next_attempt_at - now())::float8 as due_in
         from public.viral_queue where id = $1`,
        [id],
      )
    )[0];

  /** Simulate the crashed worker's lease running out. */
  const expireLease = (id: number) =>
    db.sql.query(
      `update public.viral_queue set lease_until = now() - interval '1 second'
       where id = $1 and claimed_by is not null`,
      [id],
    );

  /** Every CoinCreatedV4 the factory emitted for this performance (its metadata URI is unique). */
  const coinsOnChain = async (hash: string) => {
    const logs = await chain.publicClient.getContractEvents({
      address: devnet.addresses.coinFactory,
      abi: coinFactoryABI,
      eventName: 'CoinCreatedV4',
      fromBlock: 0n,
      strict: true,
    });
    return logs.filter((l) => l.args.uri === coinMetadataUrl(publicUrl, hash));
  };

  const countRows = async (table: string, hash: string) =>
    (
      await db.sql.query<{ n: number }>(
        `select count(*)::int as n from public.${table} t join public.performances p on p.id = t.performance_id
         where p.cast_hash = $1`,
        [hash],
      )
    )[0]?.n;

  const expectExactlyOneCoin = async (hash: string, job: number, artist: Address) => {
    const logs = await coinsOnChain(hash);
    expect(logs).toHaveLength(1);
    const [log] = logs;
    if (!log) throw new Error('unreachable');
    expect(isAddressEqual(log.args.payoutRecipient, artist)).toBe(true);
    expect(await countRows('performance_coins', hash)).toBe(1);
    expect(await countRows('coin_notifications', hash)).toBe(1);
    const row = await jobRow(job);
    expect(row?.status).toBe('confirmed');
    expect(row?.coin_address).toBe(log.args.coin.toLowerCase());
    const events = await db.sql.query<{ n: number }>(
      `select count(*)::int as n from public.analytics_events where event_type = 'coin.created' and cast_hash = $1`,
      [hash],
    );
    expect(events[0]?.n).toBe(1);
    return log;
  };

  it('creates the coin end to end: API shows it, rows are written, the artist is payout recipient', async () => {
    const { hash, artist, job } = await viralPerformance();
    const before = await app.get(`/api/performances/${hash}`);
    expect((before.body as { coin: unknown }).coin).toBeNull();

    const outcomes = await worker().runOnce();
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'confirmed', recovered: false })]);

    const log = await expectExactlyOneCoin(hash, job, artist);
    const coin = log.args.coin;
    const { status, body } = await app.get(`/api/performances/${hash}`);
    expect(status).toBe(200);
    const shown = body as { coin: Record<string, unknown>; viral: { status: string } };
    expect(shown.coin).toEqual({
      address: coin.toLowerCase(),
      symbol: 'LTA',
      name: `Live take ${hash.slice(2, 8)}`,
      txHash: log.transactionHash,
      poolId: log.args.poolKeyHash,
      createdAt: expect.any(String),
      priceEth: null,
      // No indexer runs here: the market is null until one reaches the coin.
      market: null,
    });
    expect(shown.viral.status).toBe('coined');
    expect(isAddressEqual(log.args.caller, devnet.accounts.platform.address)).toBe(true);
    expect(log.args.platformReferrer).toBe(devnet.accounts.users[7]?.address);

    const read = (functionName: 'payoutRecipient' | 'name' | 'symbol' | 'tokenURI') =>
      chain.publicClient.readContract({ address: coin, abi: coinABI, functionName });
    expect(await read('payoutRecipient')).toBe(artist);
    expect(await read('name')).toBe(`Live take ${hash.slice(2, 8)}`);
    const notification = await db.sql.query<{ kind: string; data: { coinAddress: string } }>(
      `select kind, data from public.coin_notifications n join public.performances p on p.id = n.performance_id
       where p.cast_hash = $1`,
      [hash],
    );
    expect(notification[0]).toMatchObject({ kind: 'coin_created', data: { coinAddress: coin.toLowerCase() } });
    const request = standIn.requests.findLast((r) => r.pathname === '/create/content');
    expect(request?.body).toMatchObject({ chainId: 8453, currency: 'ETH', payoutRecipientOverride: artist });

    // Running again finds nothing to do and creates nothing.
    expect(await worker().runOnce()).toEqual([]);
    expect(await coinsOnChain(hash)).toHaveLength(1);
  });

  it.each(['afterIntent', 'afterSend', 'afterSubmitted', 'afterReceipt'] as const)(
    'recovers after a crash %s: exactly one coin, confirmed once',
    async (step) => {
      const { hash, artist, job } = await viralPerformance();
      const reached: string[] = [];
      let sent: Hex | null = null;
      const faults: CoinFaults = {
        [step]: (arg?: Hex | TransactionReceipt) => {
          reached.push(step);
          if (typeof arg === 'string') sent = arg;
          throw new Error(`injected crash ${step}`);
        },
      };
      const crashed = await worker({ faults }).runOnce();
      expect({ reached, crashed }).toEqual({ reached: [step], crashed: [{ kind: 'lease_lost', step: 'crashed' }] });
      expect(crashed).toEqual([{ kind: 'lease_lost', step: 'crashed' }]);
      const mid = await jobRow(job);
      expect(mid?.status).toBe(step === 'afterIntent' || step === 'afterSend' ? 'submitting' : 'submitted');
      expect(mid?.nonce).not.toBeNull();
      // anvil mines a sent transaction right away, but not necessarily before sendRawTransaction returns.
      if (sent !== null) await chain.publicClient.waitForTransactionReceipt({ hash: sent });
      expect(await coinsOnChain(hash)).toHaveLength(step === 'afterIntent' ? 0 : 1);

      // The lease still holds: nobody touches the job.
      expect(await worker().runOnce()).toEqual([]);
      await expireLease(job);
      const recovered = await worker().runOnce();
      expect(recovered).toEqual([expect.objectContaining({ kind: 'confirmed', recovered: step !== 'afterIntent' })]);
      await expectExactlyOneCoin(hash, job, artist);

      await expireLease(job);
      expect(await worker().runOnce()).toEqual([]);
      expect(await coinsOnChain(hash)).toHaveLength(1);
    },
  );

  it('renews a short lease while a slow job runs, so it completes past the lease length', async () => {
    const { hash, artist, job } = await viralPerformance();
    // Three 1 s leases pass while the job sits between its intent and its send; the heartbeat keeps it.
    const slow: CoinFaults = { afterIntent: () => new Promise((resolve) => setTimeout(resolve, 3_000)) };
    expect(await worker({ leaseSeconds: 1, faults: slow }).runOnce()).toEqual([
      expect.objectContaining({ kind: 'confirmed', recovered: false }),
    ]);
    await expectExactlyOneCoin(hash, job, artist);
  });

  it('stops before sending when the heartbeat finds the lease taken over; the new holder creates the one coin', async () => {
    const { hash, artist, job } = await viralPerformance();
    const nonceBefore = await chain.publicClient.getTransactionCount({ address: chain.sender, blockTag: 'pending' });
    const takenOver: CoinFaults = {
      afterIntent: async () => {
        // Another worker's claim of the (expired) job, then time for the next renewal (every 1 s) to notice.
        await db.sql.query(
          `update public.viral_queue set claimed_by = 'coin-other', lease_until = now() + interval '1 minute'
           where id = $1`,
          [job],
        );
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      },
    };
    expect(await worker({ leaseSeconds: 3, faults: takenOver }).runOnce()).toEqual([
      { kind: 'lease_lost', step: 'send' },
    ]);
    expect(await chain.publicClient.getTransactionCount({ address: chain.sender, blockTag: 'pending' })).toBe(
      nonceBefore,
    );
    expect(await coinsOnChain(hash)).toHaveLength(0);
    expect((await jobRow(job))?.status).toBe('submitting');

    await expireLease(job);
    expect(await worker().runOnce()).toEqual([expect.objectContaining({ kind: 'confirmed', recovered: false })]);
    await expectExactlyOneCoin(hash, job, artist);
  });

  it('renew_viral_job_lease extends only an unexpired lease of its holder', async () => {
    const { job } = await viralPerformance();
    const [claimed] = await db.stores.coins.claimViralJobs('coin-renew', 1, 5);
    expect(claimed?.id).toBe(job);
    const leaseLeft = async () =>
      (
        await db.sql.query<{ left: number }>(
          'select extract(epoch from lease_until - now())::float8 as left from public.viral_queue where id = $1',
          [job],
        )
      )[0]?.left;
    expect(await db.stores.coins.renewViralJobLease(job, 'coin-renew', 120)).toBe(true);
    expect(await leaseLeft()).toBeGreaterThan(100);
    expect(await db.stores.coins.renewViralJobLease(job, 'coin-someone-else', 600)).toBe(false);
    expect(await leaseLeft()).toBeLessThan(121);
    await expireLease(job);
    expect(await db.stores.coins.renewViralJobLease(job, 'coin-renew', 120)).toBe(false);
    expect(await leaseLeft()).toBeLessThan(0);
    expect(await worker().runOnce()).toEqual([expect.objectContaining({ kind: 'confirmed' })]);
    expect(await db.stores.coins.renewViralJobLease(job, 'coin-renew', 120)).toBe(false);
  });

  it('never sends again when the nonce is used but the coin event lies outside the lookback window', async () => {
    const { hash, job } = await viralPerformance();
    const crash: CoinFaults = {
      afterSend: () => {
        throw new Error('injected crash afterSend');
      },
    };
    expect(await worker({ faults: crash }).runOnce()).toEqual([{ kind: 'lease_lost', step: 'crashed' }]);
    // The crash came right after the send: under load the devnet may take a moment to mine it.
    await expect.poll(async () => (await coinsOnChain(hash)).length, { timeout: 15_000 }).toBe(1);
    // Push the creation out of a 2-block window: the job's nonce is mined, no tx hash was recorded.
    await chain.publicClient.request({ method: 'anvil_mine', params: ['0x5'] } as never);
    const narrow = { tuning: { lookbackBlocks: 2n } };

    // The predicted coin has code: the coin exists, so nothing is sent and the job says why.
    await expireLease(job);
    const [exists] = await worker(narrow).runOnce();
    expect(exists).toMatchObject({
      kind: 'retry',
      error: expect.stringMatching(
        /exists but its CoinCreatedV4 event was not found in the last 2 blocks; not sending/,
      ),
    });

    // A prediction that does not point at the coin: the nonce was spent before the window, so sending could duplicate
    // the coin; the job fails with the reason instead.
    await db.sql.query(
      `update public.viral_queue set expected_coin_address = $2, next_attempt_at = now() where id = $1`,
      [job, `0x${'0'.repeat(39)}1`],
    );
    const [outside] = await worker(narrow).runOnce();
    expect(outside).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(/^nonce \d+ was spent before block \d+, outside the 2-block lookback window/),
    });
    expect(await jobRow(job)).toMatchObject({ status: 'failed' });
    expect(await coinsOnChain(hash)).toHaveLength(1);
    expect(await countRows('performance_coins', hash)).toBe(0);
  });

  it('gives two workers that raced for the same nonce one coin each, never a duplicate', async () => {
    const a = await viralPerformance();
    const b = await viralPerformance();
    await db.sql.query('update public.viral_queue set next_attempt_at = now() where id = any ($1::bigint[])', [
      [a.job, b.job],
    ]);
    // Both workers read the pending nonce before either sends: hold each after its intent until both have one.
    let arrived = 0;
    let release: () => void = () => {};
    const bothRecorded = new Promise<void>((resolve) => {
      release = resolve;
    });
    const faults: CoinFaults = {
      afterIntent: async () => {
        arrived += 1;
        if (arrived === 2) release();
        await bothRecorded;
      },
    };
    const [first, second] = await Promise.all([
      worker({ faults, batch: 1 }).runOnce(),
      worker({ faults, batch: 1 }).runOnce(),
    ]);
    const nonces = [(await jobRow(a.job))?.nonce, (await jobRow(b.job))?.nonce];
    expect(nonces[0]).toBe(nonces[1]);
    const outcomes = [...(first ?? []), ...(second ?? [])].map((o) => o.kind).sort();
    expect(outcomes).toEqual(['confirmed', 'retry']);

    // The loser's nonce was used by the winner's transaction: recovery finds no coin for it and creates one.
    await db.sql.query(
      `update public.viral_queue set next_attempt_at = now() where id = any ($1::bigint[]) and status <> 'confirmed'`,
      [[a.job, b.job]],
    );
    expect(await worker().runOnce()).toEqual([expect.objectContaining({ kind: 'confirmed', recovered: false })]);
    await expectExactlyOneCoin(a.hash, a.job, a.artist);
    await expectExactlyOneCoin(b.hash, b.job, b.artist);
  });

  it('retries a Zora API failure with backoff and shows the error, then succeeds', async () => {
    const { hash, artist, job } = await viralPerformance();
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    standIn.failNext({ status: 500, body: { error: 'scripted outage' } });
    const [outcome] = await worker().runOnce();
    quiet.mockRestore();
    expect(outcome).toMatchObject({ kind: 'retry' });
    const row = await jobRow(job);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row?.last_error).toMatch(/^Zora API create\/content failed/);
    expect(row?.due_in).toBeGreaterThan(10);
    expect(row?.due_in).toBeLessThanOrEqual(15);
    const listed = await db.stores.viral.listViralQueue('pending', 50, null);
    expect(listed.items.find((i) => i.id === job)?.lastError).toMatch(/Zora API/);

    await db.sql.query('update public.viral_queue set next_attempt_at = now() where id = $1', [job]);
    expect(await worker().runOnce()).toEqual([expect.objectContaining({ kind: 'confirmed' })]);
    await expectExactlyOneCoin(hash, job, artist);
  });

  it('retries an unreachable chain with backoff, naming the RPC by its origin only, asking Zora nothing', async () => {
    const { hash, job } = await viralPerformance();
    const port = await closedPort();
    const deadChain = createCoinChain({
      // A provider-style URL: the key in the path and the query must never reach the job's error.
      rpcUrl: `http://127.0.0.1:${port}/v2/secret-path-key?apikey=secret-query-key`,
      chainId: 8453,
      privateKey: devnet.accounts.platform.privateKey,
      zoraApiKey: API_KEY,
      zoraApiBaseUrl: standIn.url,
      platformReferrer: undefined,
    });
    const zoraRequests = standIn.requests.length;
    const [outcome] = await worker({ chain: deadChain }).runOnce();
    const error = expect.stringMatching(
      new RegExp(`^chain RPC http://127\\.0\\.0\\.1:${port} unreachable: fetch failed`),
    );
    expect(outcome).toEqual({ kind: 'retry', error });
    const row = await jobRow(job);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: error });
    expect(row?.last_error).not.toMatch(/secret|\/v2|apikey|Zora/);
    expect(standIn.requests.length).toBe(zoraRequests);
    expect(await coinsOnChain(hash)).toHaveLength(0);
  });

  it('surfaces a revert as a clear, decoded job error, and fails permanently after the last attempt', async () => {
    const { hash, job } = await viralPerformance();
    // A create call that is ours in every checked field but names a post-deploy hook, which the dev factory refuses
    // with PostDeployHookNotSupported() (a call with another payout recipient would not even be sent any more). That
    // error is the dev factory's own, not in Zora's ABI, so it shows as its selector.
    standIn.tamperCreates({ postDeployHook: `0x${'9'.repeat(40)}` });
    const reverted = `Create coin transaction reverted: unknown error ${toFunctionSelector('PostDeployHookNotSupported()')}`;
    try {
      const [first] = await worker({ tuning: { maxRevertAttempts: 2 } }).runOnce();
      expect(first).toEqual({ kind: 'retry', error: reverted });
      expect(await jobRow(job)).toMatchObject({ status: 'pending', attempts: 1, last_error: reverted, nonce: null });

      await db.sql.query('update public.viral_queue set next_attempt_at = now() where id = $1', [job]);
      const [second] = await worker({ tuning: { maxRevertAttempts: 2 } }).runOnce();
      expect(second).toEqual({ kind: 'failed', error: reverted });
    } finally {
      standIn.tamperCreates(null);
    }
    expect(await jobRow(job)).toMatchObject({ status: 'failed', attempts: 2 });
    expect(await coinsOnChain(hash)).toHaveLength(0);
  });

  it('refuses a create call from a hostile Zora API that pays someone else: nothing is sent, the job fails with why', async () => {
    const { hash, artist, job } = await viralPerformance();
    const dead = '0x000000000000000000000000000000000000dEaD' as const;
    const nonceBefore = await chain.publicClient.getTransactionCount({ address: chain.sender, blockTag: 'pending' });
    standIn.tamperCreates({ payoutRecipient: dead });
    let outcome: unknown;
    try {
      [outcome] = await worker().runOnce();
    } finally {
      standIn.tamperCreates(null);
    }
    const error = `Zora API create call refused: payout recipient ${dead}, expected the artist ${artist}`;
    expect(outcome).toEqual({ kind: 'failed', error });
    expect(await jobRow(job)).toMatchObject({ status: 'failed', last_error: error, nonce: null, tx_hash: null });
    expect(await chain.publicClient.getTransactionCount({ address: chain.sender, blockTag: 'pending' })).toBe(
      nonceBefore,
    );
    expect(await coinsOnChain(hash)).toHaveLength(0);
    expect(await countRows('performance_coins', hash)).toBe(0);

    // The same for extra owners and another metadata URI.
    for (const tamper of [{ owners: [chain.sender, dead] }, { uri: 'https://evil.example/x.json' }]) {
      const next = await viralPerformance();
      standIn.tamperCreates(tamper);
      try {
        const [refused] = await worker().runOnce();
        expect(refused).toMatchObject({
          kind: 'failed',
          error: expect.stringMatching(/^Zora API create call refused: /),
        });
      } finally {
        standIn.tamperCreates(null);
      }
      expect(await coinsOnChain(next.hash)).toHaveLength(0);
    }
  });

  it('keeps jobs pending with a reason when the chain is not configured, and creates once configured', async () => {
    const { hash, artist, job } = await viralPerformance();
    const unconfigured = readCoinChainSettings(loadConfig({}));
    if (unconfigured.ok) throw new Error('unreachable');
    const [outcome] = await worker({ chain: null, unconfiguredReason: unconfigured.reason }).runOnce();
    expect(outcome).toEqual({ kind: 'waiting', reason: unconfigured.reason });
    expect(await jobRow(job)).toMatchObject({
      status: 'pending',
      attempts: 0,
      wait_reason: 'coin creation is not configured: set BASE_RPC_URL and PLATFORM_PRIVATE_KEY',
    });
    await db.sql.query('update public.viral_queue set next_attempt_at = now() where id = $1', [job]);
    expect(await worker().runOnce()).toEqual([expect.objectContaining({ kind: 'confirmed' })]);
    await expectExactlyOneCoin(hash, job, artist);
    expect((await jobRow(job))?.wait_reason).toBeNull();
  });

  it('waits while the artist has no wallet address, and fails a deleted performance permanently', async () => {
    const noWallet = await viralPerformance(false);
    const [waiting] = await worker().runOnce();
    expect(waiting).toEqual({ kind: 'waiting', reason: 'artist has no wallet address' });
    expect(await jobRow(noWallet.job)).toMatchObject({
      status: 'pending',
      attempts: 0,
      wait_reason: 'artist has no wallet address',
    });

    const gone = await viralPerformance();
    await deliverToStore(db.stores.ingest, [castDeleted(gone.hash)]);
    const [failed] = await worker().runOnce();
    expect(failed).toEqual({ kind: 'failed', error: 'the performance was deleted' });
    expect(await jobRow(gone.job)).toMatchObject({ status: 'failed' });
    expect(await coinsOnChain(gone.hash)).toHaveLength(0);
  });
});
