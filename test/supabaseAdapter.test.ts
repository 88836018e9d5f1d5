import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  castCreated,
  castHash,
  PERFORMANCE_CHANNEL,
  performanceCast,
  reaction,
  user,
} from '../scripts/neynarPayloads.ts';
import { createStores, type Stores } from '../src/createStores.ts';
import { SupabaseRpcError, supabaseRpc } from '../src/db/supabase.ts';
import { createPerformanceStore } from '../src/performances/createPerformanceStore.ts';
import { createIngestStore, type InboxDelivery } from '../src/webhooks/createIngestStore.ts';
import { parseNeynarEvent } from '../src/webhooks/parseNeynarEvent.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from './standins/postgrest.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';

const SERVICE_KEY = 'service-role-key-for-the-postgrest-stand-in';
const ANON_KEY = 'anon-key-for-the-postgrest-stand-in';
const T0 = Date.parse('2026-11-01T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** A delivery exactly as the webhook route builds it: the raw body, its SHA-256 and the parsed event. */
function delivery(payload: unknown): InboxDelivery {
  const rawBody = JSON.stringify(payload);
  const parsed = parseNeynarEvent(payload, { performanceChannelUrl: PERFORMANCE_CHANNEL, receivedAt: at(100) });
  if (!parsed.ok) throw new Error(`test payload does not parse: ${parsed.reason}`);
  return {
    sha256: createHash('sha256').update(rawBody).digest('hex'),
    rawBody,
    eventType: parsed.type,
    event: parsed.event,
  };
}

const perfA = castHash(1);
const perfB = castHash(2);
const perfC = castHash(3);
const artist = user(101, { username: 'singer' });
const deliveries = [
  delivery(performanceCast(perfA, artist, at(0))),
  delivery(performanceCast(perfB, user(102), at(1))),
  delivery(performanceCast(perfC, user(103), at(2))),
  delivery(reaction({ kind: 'created', type: 1, castHash: perfA, reactor: user(201), at: at(3) })),
  delivery(reaction({ kind: 'created', type: 1, castHash: perfA, reactor: user(202), at: at(4) })),
  delivery(reaction({ kind: 'created', type: 2, castHash: perfA, reactor: user(203), at: at(5) })),
  delivery(reaction({ kind: 'created', type: 1, castHash: perfC, reactor: user(201), at: at(6) })),
  delivery(castCreated({ hash: castHash(9, 'd'), author: user(204), parentHash: perfA, at: at(7) })),
];

for (const target of databaseTargets()) {
  describe(`supabaseRpc over the PostgREST stand-in (${target.name})`, () => {
    let db: TestDatabase;
    let standIn: PostgrestStandIn;
    let stores: Stores;

    beforeAll(async () => {
      db = await target.create();
      // A function that raises a given SQLSTATE, to see error codes cross the wire.
      await db.sql.exec(`
        create function public.test_raise(p_code text) returns jsonb language plpgsql as $$
        begin raise exception 'raised %', p_code using errcode = p_code; end $$;`);
      standIn = await startPostgrestStandIn({
        sql: db.sql,
        keys: { [SERVICE_KEY]: 'service_role', [ANON_KEY]: 'anon' },
      });
      stores = createStores(supabaseRpc(standIn.url, SERVICE_KEY));
    }, 120_000);

    afterAll(async () => {
      await standIn?.close();
      await db?.close();
    });

    it('ingests deliveries once, applies them, and reads exact counts and a paginated feed', async () => {
      const stored = await stores.ingest.ingestDeliveries(deliveries);
      expect(stored).toEqual(new Set(deliveries.map((d) => d.sha256)));
      expect(await stores.ingest.ingestDeliveries(deliveries.slice(0, 2))).toEqual(new Set());
      expect(await stores.ingest.health()).toEqual({ ok: true, pendingEvents: deliveries.length, failedEvents: 0 });

      expect(await stores.ingest.applyInbox(500)).toEqual({ applied: deliveries.length, failed: [] });
      expect(await stores.ingest.applyInbox(500)).toEqual({ applied: 0, failed: [] });
      expect(await stores.ingest.health()).toEqual({ ok: true, pendingEvents: 0, failedEvents: 0 });

      const a = await stores.performances.getPerformance(perfA);
      expect(a).toMatchObject({
        castHash: perfA,
        title: `Live take ${perfA.slice(2, 8)}`,
        channelUrl: PERFORMANCE_CHANNEL,
        audio: { url: `https://cdn.example.com/audio/${perfA}.mp3`, mimeType: 'audio/mpeg' },
        artist: { fid: 101, username: 'singer' },
        metrics: { likes: 2, recasts: 1, replies: 1, views: 0 },
      });
      expect(new Date(a?.createdAt ?? 0).toISOString()).toBe(at(0).toISOString());
      // Both adapters read the same database: the HTTP path must answer exactly what SQL answers.
      expect(a).toEqual(await db.stores.performances.getPerformance(perfA));
      expect(await stores.performances.getPerformance(castHash(404))).toBeNull();

      const first = await stores.performances.listPerformances('recent', 2, null);
      expect(first.items.map((p) => p.castHash)).toEqual([perfC, perfB]);
      expect(first.nextCursor).toMatchObject({ h: perfB });
      const second = await stores.performances.listPerformances('recent', 2, first.nextCursor);
      expect(second.items.map((p) => p.castHash)).toEqual([perfA]);
      expect(second.nextCursor).toBeNull();

      const top = await stores.performances.listPerformances('top', 1, null);
      expect(top.items.map((p) => [p.castHash, p.metrics.likes])).toEqual([[perfA, 2]]);
      expect(top.nextCursor).toEqual({ s: 4, h: perfA });
      const rest = await stores.performances.listPerformances('top', 5, top.nextCursor);
      expect(rest.items.map((p) => p.castHash)).toEqual([perfC, perfB]);

      expect(await stores.ingest.retryFailedWebhooks()).toBe(0);
      const calls = standIn.calls.map((c) => `${c.fn}:${c.status}:${c.role}`);
      expect(calls).toContain('ingest_webhook_events:200:service_role');
      expect(calls).toContain('apply_webhook_inbox:200:service_role');
    });

    it('rejects a wrong key with a clear 401 error and changes nothing', async () => {
      const wrong = createIngestStore(supabaseRpc(standIn.url, 'not-the-service-role-key'));
      const before = await stores.ingest.health();
      const error = await wrong.ingestDeliveries([delivery(performanceCast(castHash(50), user(150), at(50)))]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SupabaseRpcError);
      expect(error).toMatchObject({ name: 'Supabase.RpcError', code: 'PGRST301', httpStatus: 401 });
      expect((error as Error).message).toBe(
        'rpc ingest_webhook_events failed (HTTP 401 PGRST301): Invalid API key (check SUPABASE_URL and ' +
          'SUPABASE_SERVICE_ROLE_KEY: the key must be the service-role key)',
      );
      expect((error as Error).message).not.toContain('not-the-service-role-key');
      expect(await stores.ingest.health()).toEqual(before);
    });

    it('carries the SQLSTATE of a database error as code, with PostgREST status and details', async () => {
      const bad = { ...delivery(performanceCast(castHash(60), user(160), at(60))), sha256: 'not-a-sha256' };
      const check = await stores.ingest.ingestDeliveries([bad]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(check).toBeInstanceOf(SupabaseRpcError);
      expect(check).toMatchObject({ code: '23514', httpStatus: 400 });
      expect((check as SupabaseRpcError).message).toContain('webhook_inbox_body_sha256_check');
      expect((check as SupabaseRpcError).details).toContain('not-a-sha256');

      const rpc = supabaseRpc(standIn.url, SERVICE_KEY);
      await expect(
        rpc.call('list_performances', { p_sort: 'sideways', p_limit: 5, p_cursor: null }),
      ).rejects.toMatchObject({
        code: '22023',
        httpStatus: 400,
        message: 'rpc list_performances failed (HTTP 400 22023): unknown sort sideways',
      });
      // The drainer retries on these codes, so they must arrive intact (PostgREST answers class 40 with 500).
      for (const code of ['40001', '40P01', '55P03', '57014']) {
        await expect(rpc.call('test_raise', { p_code: code })).rejects.toMatchObject({ code });
      }
      await expect(rpc.call('test_raise', { p_code: '40P01' })).rejects.toMatchObject({ httpStatus: 500 });
      await expect(rpc.call('test_raise', { p_code: '23505' })).rejects.toMatchObject({ httpStatus: 409 });
      await expect(rpc.call('no_such_function', {})).rejects.toMatchObject({ code: 'PGRST202', httpStatus: 404 });
      await expect(rpc.call('db_health', { p_extra: 1 })).rejects.toMatchObject({ code: 'PGRST202', httpStatus: 404 });
    });

    it('runs each call as the key’s role: anon is refused the inbox by privileges', async () => {
      const anon = supabaseRpc(standIn.url, ANON_KEY);
      await expect(anon.call('apply_webhook_inbox', { p_limit: 10 })).rejects.toMatchObject({
        code: '42501',
        httpStatus: 403,
      });
      await expect(anon.call('db_health', {})).rejects.toMatchObject({ code: '42501' });
      // Public performance data stays readable to anon through row-level security policies.
      expect(await createPerformanceStore(anon).getPerformance(perfA)).toMatchObject({ castHash: perfA });
    });
  });
}
