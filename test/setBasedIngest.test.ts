/** Set-based application of inbox batches (migration *_set_based_ingest.sql) against the one-by-one application it
 * replaced: the original `apply_webhook_inbox`, read from the ingest migration and installed under another name, is
 * the reference. The same seeded workload (performances, early engagement, likes and recasts with removals, ties,
 * duplicates and reordering, replies and their deletion, a deleted performance, profiles that change between and
 * within batches) goes to two databases in the same batches; every table ingest writes must end the same. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../scripts/bench/createRandom.ts';
import { referenceApplyFunction } from '../scripts/bench/referenceApply.ts';
import {
  castCreated,
  castDeleted,
  castHash,
  PERFORMANCE_CHANNEL,
  performanceCast,
  reaction,
  user,
  userUpdated,
} from '../scripts/neynarPayloads.ts';
import type { InboxDelivery } from '../src/webhooks/createIngestStore.ts';
import { parseNeynarEvent } from '../src/webhooks/parseNeynarEvent.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';

const HOUR = 3_600_000;

function toDelivery(payload: unknown): InboxDelivery {
  const rawBody = JSON.stringify(payload);
  const parsed = parseNeynarEvent(payload, { performanceChannelUrl: PERFORMANCE_CHANNEL, receivedAt: new Date() });
  if (!parsed.ok) throw new Error(`fixture rejected: ${parsed.reason}`);
  return {
    sha256: createHash('sha256').update(rawBody).digest('hex'),
    rawBody,
    eventType: parsed.type,
    event: parsed.event,
  };
}

/** Seeded batches of webhook payloads exercising every rule ingest has. */
interface Shape {
  fans: number;
  performances: number;
  /** Hex digit that starts this workload's cast hashes, so two workloads share a database without meeting. */
  prefix: string;
}

function workload(seed: number, now: number, shape: Shape): unknown[][] {
  const random = createRandom(seed);
  const pick = <T>(items: T[]): T => items[random.int(items.length)] as T;
  const base = now - 40 * HOUR;
  const artists = [1, 2, 3].map((fid) => user(fid, { score: 0.9 }));
  const fans = Array.from({ length: shape.fans }, (_, i) =>
    user(100 + i, i % 5 === 0 ? {} : { score: Math.round(random.next() * 100) / 100 }),
  );
  const performances = Array.from({ length: shape.performances }, (_, i) => castHash(9000 + i, shape.prefix));
  const events: unknown[] = [];
  const sent: unknown[] = [];
  const replies: { hash: string; parent: string }[] = [];
  const time = () => base + random.int(38 * HOUR);

  // Early engagement on two performances before their casts arrive.
  for (const hash of performances.slice(6)) {
    for (let k = 0; k < 6; k++) {
      events.push(reaction({ kind: 'created', type: 1, castHash: hash, reactor: pick(fans), at: time() }));
    }
  }
  performances.forEach((hash, i) => {
    events.push(performanceCast(hash, artists[i % artists.length] ?? user(1), base + i * 1000));
  });
  for (let k = 0; k < 700; k++) {
    const roll = random.next();
    const hash = pick(performances);
    const fan = random.next() < 0.1 ? (artists[random.int(3)] ?? user(1)) : pick(fans);
    if (roll < 0.55) {
      events.push(
        reaction({ kind: 'created', type: random.next() < 0.7 ? 1 : 2, castHash: hash, reactor: fan, at: time() }),
      );
    } else if (roll < 0.72) {
      events.push(
        reaction({ kind: 'deleted', type: random.next() < 0.7 ? 1 : 2, castHash: hash, reactor: fan, at: time() }),
      );
    } else if (roll < 0.76) {
      // A like and its removal at the same instant: the removal wins the tie, in either order.
      const t = time();
      const pair = [
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: fan, at: t }),
        reaction({ kind: 'deleted', type: 1, castHash: hash, reactor: fan, at: t }),
      ];
      events.push(...(random.next() < 0.5 ? pair : pair.reverse()));
    } else if (roll < 0.83) {
      const reply = castHash(20000 + k, shape.prefix === 'e' ? 'f' : 'd');
      replies.push({ hash: reply, parent: hash });
      events.push(castCreated({ hash: reply, author: fan, parentHash: hash, at: time() }));
    } else if (roll < 0.86 && replies.length > 0) {
      const r = pick(replies);
      events.push(castDeleted(r.hash, { parentHash: r.parent, at: time() }));
    } else if (roll < 0.9) {
      // A profile change: new name and score, sometimes older than what is stored.
      const changed = { ...fan, display_name: `Renamed ${k}`, score: Math.round(random.next() * 100) / 100 };
      events.push(userUpdated(changed, time()));
      events.push(reaction({ kind: 'created', type: 1, castHash: pick(performances), reactor: changed, at: time() }));
    } else if (roll < 0.95 && sent.length > 0) {
      events.push(pick(sent)); // a byte-identical redelivery
    } else {
      events.push(reaction({ kind: 'created', type: 2, castHash: hash, reactor: fan, at: time() }));
    }
    sent.push(events[events.length - 1]);
  }
  events.push(castDeleted(performances[Math.min(3, performances.length - 1)] ?? '', { at: base + 30 * HOUR }));

  const batches: unknown[][] = [];
  for (let i = 0; i < events.length; ) {
    const size = random.next() < 0.2 ? 1 + random.int(5) : 40 + random.int(260);
    batches.push(events.slice(i, i + size));
    i += size;
  }
  return batches;
}

const TABLES: Record<string, string> = {
  cast_reactions: 'select cast_hash, reaction_type, reactor_fid, active, event_at from cast_reactions order by 1, 2, 3',
  performance_metrics:
    'select cast_hash, likes_count, recasts_count, replies_count from performance_metrics order by 1',
  casts_seen:
    'select cast_hash, author_fid, parent_hash, cast_at, created_seen, deleted_at, counted_reply from casts_seen order by 1',
  users: `select farcaster_fid, username, display_name, pfp_url, custody_address, verified_eth_addresses,
       primary_eth_address, neynar_score, profile_at from users order by 1`,
  performances: 'select cast_hash, artist_fid, title, deleted_at from performances order by 1',
  viral_engagers:
    'select cast_hash, fid, weight, engaged_at, like_at, recast_at, replies from viral_engagers order by 1, 2',
  viral_counts: 'select cast_hash, engagers, deleted_at from viral_aggregates order by 1',
  analytics: 'select inbox_id, event_type, fid, cast_hash, data, occurred_at from analytics_events order by 1',
  inbox: 'select id, state, attempts from webhook_inbox order by 1',
  activity: `select cast_hash, sum(likes)::int as likes, sum(recasts)::int as recasts, sum(replies)::int as replies
     from performance_activity group by 1 order by 1`,
  queue: 'select p.cast_hash from viral_queue q join performances p on p.id = q.performance_id order by 1',
};

/** Lanes keep every fid's events in inbox order, but a cast's deletion that carries no author goes to lane 0 while
 * the cast went to its author's lane, so a reply and its deletion in one backlog may be applied deletion first: the
 * reply is then never counted, where one-by-one counted it and took it back. The state that counts is the same; these
 * two tables differ only by that history (an inactive engager row, and the effect the analytics rows of those two
 * events record), so the laned database is compared on the rest of them. */
const LANE_ORDER_TABLES: Record<string, string> = {
  viral_engagers: `select cast_hash, fid, weight, engaged_at, like_at, recast_at, replies from viral_engagers
     where like_at is not null or recast_at is not null or replies > 0 order by 1, 2`,
  analytics: `select inbox_id, event_type, fid, cast_hash,
       case when data ->> 'kind' in ('cast', 'cast_deleted') then data - 'effect' else data end as data, occurred_at
     from analytics_events order by 1`,
};

describe.each(databaseTargets())('set-based ingest on $name', (target: DatabaseTarget) => {
  let subject: TestDatabase;
  let reference: TestDatabase;
  /** Applies every batch with a zero time budget: one one-by-one event per call, the rest deferred to later calls. */
  let budgeted: TestDatabase;
  /** Applies every batch in two lanes at once (two connections on PostgreSQL), as the Node host does after a burst. */
  let laned: TestDatabase;

  beforeAll(async () => {
    [subject, reference, budgeted, laned] = await Promise.all([
      target.create(),
      target.create(),
      target.create(),
      target.create(),
    ]);
    await reference.sql.query(await referenceApplyFunction());
    // A low threshold, so detection runs on the same performances in all four.
    for (const db of [subject, reference, budgeted, laned]) {
      await db.sql.query('select public.set_viral_params(\'{"threshold": 4, "min_unique_engagers": 3}\', \'test\')');
    }
  });
  afterAll(async () => {
    await Promise.all([subject?.close(), reference?.close(), budgeted?.close(), laned?.close()]);
  });

  /** Feed the databases the same batches; every table must end the same. Returns how the batches were applied. */
  const compare = async (seed: number, shape: Shape) => {
    const now = Date.now();
    let setBased = 0;
    let sequential = 0;
    let reactions = 0;
    let deferred = 0;
    let lanedCalls = 0;
    const batches = workload(seed, now, shape);
    const workloadBatches = batches.length;
    for (const batch of batches) {
      const deliveries = batch.map(toDelivery);
      reactions += deliveries.filter((d) => d.event.kind === 'reaction').length;
      await subject.stores.ingest.ingestDeliveries(deliveries);
      await reference.stores.ingest.ingestDeliveries(deliveries);
      const [got] = await subject.sql.query<{ r: { applied: number; setBased: number; sequential: boolean } }>(
        'select public.apply_webhook_inbox(5000) as r',
      );
      await reference.sql.query('select public.reference_apply_webhook_inbox(5000)');
      setBased += got?.r.setBased ?? 0;
      if (got?.r.sequential) sequential++;
      await budgeted.stores.ingest.ingestDeliveries(deliveries);
      for (let calls = 0; ; calls++) {
        expect(calls).toBeLessThan(batch.length + 1);
        const r = await budgeted.stores.ingest.applyInbox(5000, 0);
        expect(r.failed).toEqual([]);
        deferred += r.deferred ?? 0;
        if (r.deferred === undefined) break;
      }
      await laned.stores.ingest.ingestDeliveries(deliveries);
      for (;;) {
        const both = await Promise.all(
          [0, 1].map((index) => laned.stores.ingest.applyInbox(5000, undefined, { index, of: 2 })),
        );
        expect(both.flatMap((r) => r.failed)).toEqual([]);
        const applied = both.map((r) => r.applied);
        lanedCalls += applied.filter((n) => n > 0).length;
        if (applied[0] === 0 && applied[1] === 0) break;
      }
    }
    // Both lanes had work in most batches.
    expect(lanedCalls).toBeGreaterThan(workloadBatches);
    expect(sequential).toBe(0);
    // The budget made a difference: events of some batch waited for a later call.
    expect(deferred).toBeGreaterThan(0);

    for (const [name, sql] of Object.entries(TABLES)) {
      const [got, want, late, parallel] = await Promise.all([
        subject.sql.query(sql),
        reference.sql.query(sql),
        budgeted.sql.query(sql),
        laned.sql.query(sql),
      ]);
      expect({ name, rows: got }).toEqual({ name, rows: want });
      expect({ name, budgeted: late }).toEqual({ name, budgeted: want });
      if (!(name in LANE_ORDER_TABLES)) expect({ name, laned: parallel }).toEqual({ name, laned: want });
    }
    for (const [name, sql] of Object.entries(LANE_ORDER_TABLES)) {
      const [parallel, want] = await Promise.all([laned.sql.query(sql), reference.sql.query(sql)]);
      expect({ name, laned: parallel }).toEqual({ name, laned: want });
    }
    for (const db of [subject, laned]) {
      const [drift] = await db.sql.query<{ d: unknown }>('select public.metric_drift() as d');
      expect(drift?.d).toEqual([]);
    }

    // Decayed sums: the same score at one instant, to rounding.
    const scores = `select a.cast_hash, (public.viral_score(a.likes_s, a.recasts_s, a.replies_s, a.views_s, a.engagers_s,
        a.ref_at, $1::timestamptz, p)).* from viral_aggregates a, viral_params p where a.cast_hash like $2 order by 1`;
    const when = new Date(now + HOUR).toISOString();
    const mine = `0x${shape.prefix}%`;
    const [got, want] = await Promise.all([
      subject.sql.query(scores, [when, mine]),
      reference.sql.query(scores, [when, mine]),
    ]);
    expect(got.length).toBe(shape.performances);
    got.forEach((row, i) => {
      const other = want[i] as Record<string, number>;
      for (const [key, value] of Object.entries(row as Record<string, number | string>)) {
        if (typeof value === 'number') expect(value).toBeCloseTo(other[key] ?? Number.NaN, 9);
        else expect(value).toBe(other[key]);
      }
    });
    expect(got.some((row) => (row as { score: number }).score > 1)).toBe(true);
    return { setBased, reactions };
  };

  it('ends every table exactly as one-by-one application does, batch for batch', async () => {
    const { setBased, reactions } = await compare(7, { fans: 300, performances: 8, prefix: 'e' });
    // Most reactions take the set statements (the rest collide with a reply of their batch or need a fifth round).
    expect(setBased).toBeGreaterThan(reactions * 0.5);
  });

  it('stays exact when a few fans hammer a few casts (many rounds, pairs with more than four events, profiles changing within a batch)', async () => {
    const { setBased, reactions } = await compare(11, { fans: 6, performances: 2, prefix: 'a' });
    expect(setBased).toBeGreaterThan(0);
    expect(setBased).toBeLessThan(reactions);
  });

  it('marks a corrupted reaction failed and applies the rest of its batch set-based', async () => {
    const hash = castHash(31337, 'e');
    const fan = user(555, { score: 0.5 });
    await subject.stores.ingest.ingestDeliveries([toDelivery(performanceCast(hash, user(1)))]);
    await subject.sql.query('select public.apply_webhook_inbox(5000)');
    const good = [1, 2, 3].map((i) =>
      toDelivery(reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(600 + i), at: Date.now() - i })),
    );
    const bad = toDelivery(reaction({ kind: 'created', type: 1, castHash: hash, reactor: fan, at: Date.now() }));
    await subject.stores.ingest.ingestDeliveries([
      good[0] as InboxDelivery,
      { ...bad, sha256: 'd'.repeat(64), event: { ...bad.event, at: 'not-a-time' } as InboxDelivery['event'] },
      ...good.slice(1),
    ]);
    const first = await subject.stores.ingest.applyInbox(5000);
    expect(first.applied).toBe(0);
    expect(first.failed).toHaveLength(1);
    const [row] = await subject.sql.query<{ id: number; state: string; error: string }>(
      'select id::int, state, error from webhook_inbox where body_sha256 = $1',
      ['d'.repeat(64)],
    );
    expect(row?.id).toBe(first.failed[0]);
    expect(row?.state).toBe('failed');
    expect(row?.error).toMatch(/^22007: /);
    const [second] = await subject.sql.query<{ r: { applied: number; setBased: number } }>(
      'select public.apply_webhook_inbox(5000) as r',
    );
    expect(second?.r).toMatchObject({ applied: 3, setBased: 3 });
    const [m] = await subject.sql.query<{ likes_count: number }>(
      'select likes_count from performance_metrics where cast_hash = $1',
      [hash],
    );
    expect(m?.likes_count).toBe(3);
  });
});
