import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { seedJobs } from './support/viralFixtures.ts';

const SENDER = `0x${'a'.repeat(40)}`;
const COIN = `0x${'c'.repeat(40)}`;
const TX = `0x${'1'.repeat(64)}`;
const coin = (address: string) => ({
  coinAddress: address,
  symbol: 'GVIBE',
  name: 'Live take',
  txHash: TX,
  blockNumber: 12n,
  poolKey: { currency0: SENDER, fee: 0 },
  poolId: `0x${'b'.repeat(64)}`,
  createdAt: new Date('2026-11-25T12:00:00Z'),
});

describe.each(databaseTargets())('coin-creation queue on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await target.create();
  });
  afterAll(async () => {
    await db.close();
  });

  const job = async (id: number) =>
    (await db.sql.query<Record<string, unknown>>('select * from public.viral_queue where id = $1', [id]))[0] ?? {};
  /** Make every other job not due, so each test claims only its own jobs. */
  const only = async (ids: number[]) =>
    db.sql.query(
      `update public.viral_queue set next_attempt_at = now() + interval '1 day'
       where status in ('pending', 'submitting', 'submitted') and not (id = any ($1::bigint[]))`,
      [ids],
    );

  describe('claim_viral_jobs', () => {
    it('gives two concurrent workers disjoint jobs (FOR UPDATE SKIP LOCKED)', async () => {
      const ids = await seedJobs(db, 'f', 6);
      await only(ids);
      const [a, b] = await Promise.all([
        db.stores.coins.claimViralJobs('w1', 3, 60),
        db.stores.coins.claimViralJobs('w2', 3, 60),
      ]);
      const got = [...(a ?? []), ...(b ?? [])].map((j) => j.id).sort((x, y) => x - y);
      expect(got).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(got).size).toBe(6);
      expect(a?.every((j) => j.status === 'pending' && !j.recovery && j.artistWalletAddress !== null)).toBe(true);
      expect(await db.stores.coins.claimViralJobs('w3', 10, 60)).toEqual([]);
    });

    it('reclaims a job whose lease expired, flagged as recovery once an intent was recorded', async () => {
      const [id = 0] = await seedJobs(db, 'f', 1);
      await only([id]);
      const [first] = await db.stores.coins.claimViralJobs('w1', 1, 60);
      expect(first?.id).toBe(id);
      expect(
        await db.stores.coins.recordCoinIntent(id, 'w1', {
          sender: SENDER,
          nonce: 7,
          expectedCoinAddress: COIN,
          chainId: 8453,
        }),
      ).toEqual({ ok: true });
      expect(await db.stores.coins.claimViralJobs('w2', 1, 60)).toEqual([]);
      await db.sql.query(`update public.viral_queue set lease_until = now() - interval '1 second' where id = $1`, [id]);
      const [again] = await db.stores.coins.claimViralJobs('w2', 1, 60);
      expect(again).toMatchObject({ id, status: 'submitting', recovery: true, nonce: 7, chainId: 8453 });
      expect(
        await db.stores.coins.recordCoinIntent(id, 'w1', {
          sender: SENDER,
          nonce: 8,
          expectedCoinAddress: null,
          chainId: 1,
        }),
      ).toEqual({ ok: false, reason: 'lease_lost' });
    });
  });

  describe('the job state machine', () => {
    it('goes pending -> submitting -> submitted -> confirmed and writes coin, analytics and notification once', async () => {
      const [id = 0] = await seedJobs(db, 'f', 1);
      await only([id]);
      await db.stores.coins.claimViralJobs('w1', 1, 60);
      expect(await db.stores.coins.markCoinSubmitted(id, TX, 'w1')).toEqual({ ok: false, reason: 'status_pending' });
      await db.stores.coins.recordCoinIntent(id, 'w1', {
        sender: SENDER,
        nonce: 1,
        expectedCoinAddress: COIN,
        chainId: 8453,
      });
      expect(await db.stores.coins.markCoinSubmitted(id, TX, 'w1')).toEqual({ ok: true });
      expect(await db.stores.coins.markCoinSubmitted(id, TX, 'w1')).toEqual({ ok: true });
      expect(await db.stores.coins.confirmCoin(id, coin(COIN), 'w1')).toMatchObject({
        ok: true,
        alreadyConfirmed: false,
      });
      expect(await db.stores.coins.confirmCoin(id, coin(COIN), 'w1')).toMatchObject({
        ok: true,
        alreadyConfirmed: true,
      });
      await expect(db.stores.coins.confirmCoin(id, coin(`0x${'d'.repeat(40)}`))).rejects.toThrow(/already confirmed/);
      const row = await job(id);
      expect(row).toMatchObject({ status: 'confirmed', coin_address: COIN, tx_hash: TX, claimed_by: null });
      const counts = await db.sql.query<{ coins: number; events: number; notes: number; hash: string }>(
        `select (select count(*)::int from public.performance_coins where coin_address = $1) as coins,
           (select count(*)::int from public.analytics_events where event_type = 'coin.created'
              and data ->> 'coinAddress' = $1) as events,
           (select count(*)::int from public.coin_notifications where data ->> 'coinAddress' = $1) as notes,
           (select p.cast_hash from public.performances p where p.id = $2) as hash`,
        [COIN, row.performance_id],
      );
      expect(counts[0]).toMatchObject({ coins: 1, events: 1, notes: 1 });
      const performance = await db.sql.query<{ j: { coin: unknown; viral: { status: string } } }>(
        `select public.performance_json(v) as j from public.performance_view v where v.cast_hash = $1`,
        [counts[0]?.hash],
      );
      expect(performance[0]?.j.viral.status).toBe('coined');
      expect(performance[0]?.j.coin).toMatchObject({ address: COIN, symbol: 'GVIBE', txHash: TX, name: 'Live take' });
    });

    it('rejects illegal transitions, unrepresentable states and deletion', async () => {
      const [id = 0] = await seedJobs(db, 'f', 1);
      const bad = [
        `update public.viral_queue set status = 'submitted', tx_hash = '${TX}', submitted_at = now() where id = ${id}`,
        `update public.viral_queue set status = 'submitting' where id = ${id}`,
        `update public.viral_queue set status = 'confirmed' where id = ${id}`,
        `update public.viral_queue set status = 'failed' where id = ${id}`,
        `update public.viral_queue set claimed_by = 'w' where id = ${id}`,
        `delete from public.viral_queue where id = ${id}`,
      ];
      for (const sql of bad) await expect(db.sql.query(sql), sql).rejects.toThrow();
      await db.sql.query(
        `update public.viral_queue set status = 'submitting', sender_address = $2, nonce = 1, chain_id = 8453,
           intent_at = now() where id = $1`,
        [id, SENDER],
      );
      await expect(
        db.sql.query(`update public.viral_queue set status = 'submitted' where id = $1`, [id]),
      ).rejects.toThrow();
      await expect(
        db.sql.query(`update public.viral_queue set status = 'pending' where id = $1`, [id]),
      ).rejects.toThrow(/illegal/);
      expect((await job(id)).status).toBe('submitting');
    });

    it('retries with exponential backoff, waits without counting an attempt, and keeps permanent failures', async () => {
      const [id = 0] = await seedJobs(db, 'f', 1);
      await only([id]);
      await db.stores.coins.claimViralJobs('w1', 1, 60);
      const wait = await db.stores.coins.retryViralJob(id, 'artist has no wallet address', {
        waitSeconds: 600,
        worker: 'w1',
      });
      expect(wait).toMatchObject({ ok: true, status: 'pending' });
      expect(await job(id)).toMatchObject({ attempts: 0, wait_reason: 'artist has no wallet address' });
      expect(await db.stores.coins.claimViralJobs('w1', 1, 60)).toEqual([]);
      const delays: number[] = [];
      for (let i = 0; i < 3; i++) {
        await db.sql.query('update public.viral_queue set next_attempt_at = now() where id = $1', [id]);
        await db.stores.coins.claimViralJobs('w1', 1, 60);
        await db.stores.coins.retryViralJob(id, `rpc timeout ${i}`, { worker: 'w1' });
        const rows = await db.sql.query<{ s: number }>(
          'select extract(epoch from next_attempt_at - now())::float8 as s from public.viral_queue where id = $1',
          [id],
        );
        delays.push(Math.round(rows[0]?.s ?? 0));
      }
      expect(delays).toEqual([15, 30, 60]);
      expect(await job(id)).toMatchObject({ attempts: 3, last_error: 'rpc timeout 2', status: 'pending' });
      await db.stores.coins.retryViralJob(id, 'revert: symbol taken', { permanent: true });
      expect(await job(id)).toMatchObject({ status: 'failed', last_error: 'revert: symbol taken' });
      const failed = await db.stores.viral.listViralQueue('failed', 10, null);
      expect(failed.items.map((j) => j.id)).toContain(id);
      expect(await db.stores.coins.retryViralJob(id, 'again')).toEqual({ ok: false, reason: 'status_failed' });
    });
  });

  describe('list_viral_queue', () => {
    it('pages newest first by id with a cursor', async () => {
      await seedJobs(db, 'f', 5);
      const first = await db.stores.viral.listViralQueue(null, 2, null);
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toBe(first.items[1]?.id);
      const second = await db.stores.viral.listViralQueue(null, 2, first.nextCursor);
      expect(second.items[0]?.id).toBeLessThan(first.items[1]?.id ?? 0);
      const all = await db.stores.viral.listViralQueue(null, 200, null);
      expect(all.nextCursor).toBeNull();
    });
  });
});
