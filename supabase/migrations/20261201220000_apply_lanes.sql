-- Lanes: several appliers draining one backlog at once, without waiting for each other.
--
-- Under a burst, acknowledgement comes first and application rests (INGEST_APPLY_REST_RATIO); once the burst ends the
-- backlog is applied alone, and one apply call at a time keeps one core busy while the other idles. Two calls at once
-- (two connections; SKIP LOCKED gives them different rows) used to gain little (npm run bench:ingest-sql -- --appliers
-- 2: 1.88 s against 1.99 s): two batches of a burst share many reactor fids, and the second to insert a new user row
-- waits for the first batch to commit; and every batch touches every engaged cast's counter and viral rows, locked
-- from the first round to the commit.
-- Now apply_webhook_inbox takes a lane (p_lane of p_lanes): a lane claims only the events whose first user object has
-- a fid in it (fid mod p_lanes: a reaction's reactor, a cast's author, a profile's owner; events with none go to lane
-- 0), so lanes share no user, reaction, engager or analytics row, and a fid's objects keep their inbox order. In a
-- lane the inbox rows of a batch are marked applied before the rounds rather than after them, and every cast the batch
-- touches is locked at once (advisory locks, in one order) at its first per-cast statement, so lanes cannot deadlock
-- on per-cast rows. Lanes then overlap everything but the per-cast tail (counters, viral sums, detection, commit).
-- p_lanes 1 (the default) works as before. The state lanes reach is the one-by-one state, with one exception of
-- history: a cast deletion that names no author goes to lane 0, so a reply and its deletion can be applied deletion
-- first (the reply is then never counted, the same final count, but no inactive engager row and other analytics
-- effects); test/setBasedIngest.test.ts compares every table.

-- The lanes' per-cast lock: a transaction-scoped advisory lock per cast, taken in one order (by key) for every cast a
-- batch may touch. Advisory locks also cover rows that do not exist yet (a new cast's casts_seen, counter and viral
-- rows, inserted by whichever lane gets there first), which row locks cannot.
create function public.lock_casts_for_lane(p_casts text[]) returns void
language plpgsql
as $$
declare
  v_key bigint;
begin
  for v_key in
    select distinct hashtextextended('gigavibe.ingest.cast:' || c, 0) from unnest(p_casts) c where c is not null
    order by 1
  loop
    perform pg_advisory_xact_lock(v_key);
  end loop;
end;
$$;
comment on function public.lock_casts_for_lane(text[]) is
  'Ingest lanes: lock these casts (transaction-scoped advisory locks, in key order) before touching their rows.';
revoke execute on function public.lock_casts_for_lane(text[]) from public, anon, authenticated;
grant execute on function public.lock_casts_for_lane(text[]) to service_role;

drop function public.apply_webhook_inbox(integer, integer);

-- The same rounds, with the lanes' lock of all the batch's casts before the first per-cast statement.
drop function public.apply_batch_reactions(bigint[]);
create function public.apply_batch_reactions(p_ids bigint[], p_lock_casts text[] default null) returns integer
language plpgsql
as $$
declare
  v_hash text[];
  v_type text[];
  v_fid bigint[];
  v_delta integer[];
  v_at timestamptz[];
  v_deltas jsonb;
  p public.viral_params;
begin
  -- 1. The reaction rule, one upsert (rows in key order, so concurrent batches lock them in one order), and the
  -- analytics row of every event with its effect; a stale event (older than the stored one) changes nothing.
  with input as (
    select i.id, i.event_type, i.event ->> 'castHash' as h, i.event ->> 'reactionType' as t,
      (i.event ->> 'reactorFid')::bigint as f, (i.event ->> 'active')::boolean as a,
      (i.event ->> 'at')::timestamptz as at
    from public.webhook_inbox i
    where i.id = any (p_ids)
  ), up as (
    insert into public.cast_reactions as r (cast_hash, reaction_type, reactor_fid, active, event_at)
    select h, t, f, a, at from input order by h, t, f
    on conflict (cast_hash, reaction_type, reactor_fid) do update
      set prev_active = r.active, active = excluded.active, event_at = excluded.event_at, updated_at = now()
      where excluded.event_at > r.event_at or (excluded.event_at = r.event_at and r.active and not excluded.active)
    returning r.cast_hash, r.reaction_type, r.reactor_fid, r.active::integer - coalesce(r.prev_active, false)::integer
      as delta
  ), effects as (
    select i.*, u.delta from input i
    left join up u on u.cast_hash = i.h and u.reaction_type = i.t and u.reactor_fid = i.f
  ), logged as (
    insert into public.analytics_events (event_type, fid, cast_hash, data, inbox_id, occurred_at)
    select 'webhook.' || e.event_type, e.f, e.h,
      jsonb_build_object(
        'effect', case when e.delta is null then 'stale' when e.delta > 0 then 'added' when e.delta < 0 then 'removed'
          else 'unchanged' end,
        'kind', 'reaction', 'reactionType', e.t),
      e.id, e.at
    from effects e
    order by e.id
    on conflict (inbox_id) where inbox_id is not null do nothing
  )
  select array_agg(h order by h, f), array_agg(t order by h, f), array_agg(f order by h, f),
    array_agg(delta order by h, f), array_agg(at order by h, f)
  into v_hash, v_type, v_fid, v_delta, v_at
  from effects where delta is not null and delta <> 0;

  -- Lanes (see apply_webhook_inbox): before the first per-cast row, lock every cast the whole batch touches, in one
  -- order, so that concurrent lanes always take them in that order.
  if p_lock_casts is not null then
    perform public.lock_casts_for_lane(p_lock_casts);
  end if;

  if v_hash is null then
    return coalesce(array_length(p_ids, 1), 0);
  end if;

  -- 2. Counters: one row per cast, net change of the batch (each pair moved once, so this is the sum of real
  -- transitions). Rows in cast order; this also serialises the cast with cast creation (see apply_cast_created_event).
  select jsonb_object_agg(h, jsonb_build_array(l, r)) into v_deltas from (
    select h, coalesce(sum(d) filter (where t = 'like'), 0) as l, coalesce(sum(d) filter (where t = 'recast'), 0) as r
    from unnest(v_hash, v_type, v_delta) x(h, t, d)
    group by h
  ) s;
  insert into public.performance_metrics as m (cast_hash, likes_count, recasts_count, replies_count)
  select key, greatest((value ->> 0)::integer, 0), greatest((value ->> 1)::integer, 0), 0
  from jsonb_each(v_deltas)
  order by key
  on conflict (cast_hash) do update set
    likes_count = m.likes_count + (v_deltas -> excluded.cast_hash ->> 0)::integer,
    recasts_count = m.recasts_count + (v_deltas -> excluded.cast_hash ->> 1)::integer,
    updated_at = now()
  where (v_deltas -> excluded.cast_hash ->> 0)::integer <> 0 or (v_deltas -> excluded.cast_hash ->> 1)::integer <> 0;

  -- 3. Viral sums of the performances among these casts: engager rows (activated, or deactivated with what they had
  -- added), then each performance's decayed sums moved to the newest transition time in one update.
  select * into p from public.viral_params;
  with tr as (
    select x.h, x.t, x.f, x.d, least(x.at, now()) as vt
    from unnest(v_hash, v_type, v_fid, v_delta, v_at) x(h, t, f, d, at)
  ), agg as (
    select a.cast_hash, a.artist_fid, a.ref_at from public.viral_aggregates a
    where a.cast_hash in (select distinct h from tr)
  ), activated as (
    insert into public.viral_engagers as g (cast_hash, fid, weight, engaged_at, like_at, recast_at, replies)
    select tr.h, tr.f, public.viral_quality(u.neynar_score, tr.f = agg.artist_fid, p), tr.vt,
      case when tr.t = 'like' then tr.vt end, case when tr.t = 'recast' then tr.vt end, 0
    from tr
    join agg on agg.cast_hash = tr.h
    left join public.users u on u.farcaster_fid = tr.f
    where tr.d > 0
    order by tr.h, tr.f
    on conflict (cast_hash, fid) do update set
      prev_active = g.like_at is not null or g.recast_at is not null or g.replies > 0,
      weight = case when g.like_at is not null or g.recast_at is not null or g.replies > 0 then g.weight
        else excluded.weight end,
      engaged_at = case when g.like_at is not null or g.recast_at is not null or g.replies > 0 then g.engaged_at
        else excluded.engaged_at end,
      like_at = coalesce(excluded.like_at, g.like_at),
      recast_at = coalesce(excluded.recast_at, g.recast_at)
    returning g.cast_hash, g.fid, g.weight, g.prev_active
  ), deactivated as (
    update public.viral_engagers g set
      like_at = case when tr.t = 'like' then null else g.like_at end,
      recast_at = case when tr.t = 'recast' then null else g.recast_at end,
      prev_active = true
    from tr, public.viral_engagers o
    where tr.d < 0 and g.cast_hash = tr.h and g.fid = tr.f and o.cast_hash = g.cast_hash and o.fid = g.fid
    returning g.cast_hash, g.fid, o.weight, o.engaged_at,
      case when tr.t = 'like' then o.like_at else o.recast_at end as old_at,
      g.like_at is not null or g.recast_at is not null or g.replies > 0 as still_active
  ), moves as (
    select x.cast_hash as h, tr.t, tr.vt,
      x.weight as d_kind,
      case when x.prev_active then 0 else x.weight end as d_eng,
      case when x.prev_active or x.fid = agg.artist_fid then 0 else 1 end as n
    from activated x
    join tr on tr.h = x.cast_hash and tr.f = x.fid
    join agg on agg.cast_hash = x.cast_hash
    union all
    select y.cast_hash, tr.t, tr.vt,
      coalesce(-y.weight * public.viral_decay(y.old_at, tr.vt, p.half_life_hours), 0),
      case when y.still_active then 0 else -y.weight * public.viral_decay(y.engaged_at, tr.vt, p.half_life_hours) end,
      case when y.still_active or y.fid = agg.artist_fid then 0 else -1 end
    from deactivated y
    join tr on tr.h = y.cast_hash and tr.f = y.fid
    join agg on agg.cast_hash = y.cast_hash
  ), sums as (
    -- Each move carried to r0 = the later of the stored ref_at and the batch's newest move of the cast.
    select m.h, max(m.r0) as r0,
      sum(case when m.t = 'like' then m.d_kind else 0 end * public.viral_decay(m.vt, m.r0, p.half_life_hours)) as l,
      sum(case when m.t = 'recast' then m.d_kind else 0 end * public.viral_decay(m.vt, m.r0, p.half_life_hours)) as r,
      sum(m.d_eng * public.viral_decay(m.vt, m.r0, p.half_life_hours)) as e,
      sum(m.n)::integer as n
    from (
      select mv.*, greatest(agg.ref_at, max(mv.vt) over (partition by mv.h)) as r0
      from moves mv join agg on agg.cast_hash = mv.h
    ) m
    group by m.h
  )
  update public.viral_aggregates a set
    ref_at = greatest(a.ref_at, s.r0),
    likes_s = a.likes_s * public.viral_decay(a.ref_at, greatest(a.ref_at, s.r0), p.half_life_hours)
      + s.l * public.viral_decay(s.r0, greatest(a.ref_at, s.r0), p.half_life_hours),
    recasts_s = a.recasts_s * public.viral_decay(a.ref_at, greatest(a.ref_at, s.r0), p.half_life_hours)
      + s.r * public.viral_decay(s.r0, greatest(a.ref_at, s.r0), p.half_life_hours),
    replies_s = a.replies_s * public.viral_decay(a.ref_at, greatest(a.ref_at, s.r0), p.half_life_hours),
    views_s = a.views_s * public.viral_decay(a.ref_at, greatest(a.ref_at, s.r0), p.half_life_hours),
    engagers_s = a.engagers_s * public.viral_decay(a.ref_at, greatest(a.ref_at, s.r0), p.half_life_hours)
      + s.e * public.viral_decay(s.r0, greatest(a.ref_at, s.r0), p.half_life_hours),
    engagers = greatest(0, a.engagers + s.n),
    updated_at = now()
  from sums s
  where a.cast_hash = s.h;

  return coalesce(array_length(p_ids, 1), 0);
end;
$$;
comment on function public.apply_batch_reactions(bigint[], text[]) is
  'Ingest: apply reaction events whose (cast, fid) pairs are distinct within the batch in one statement per table '
  '(reaction rule, counters, viral engagers and sums, analytics), with the results of applying them one by one. '
  'p_lock_casts: first lock these casts (lock_casts_for_lane; lanes).';
revoke execute on function public.apply_batch_reactions(bigint[], text[]) from public, anon, authenticated;
grant execute on function public.apply_batch_reactions(bigint[], text[]) to service_role;

create function public.apply_webhook_inbox(
  p_limit integer default 500, p_budget_ms integer default null, p_lane integer default 0, p_lanes integer default 1
) returns jsonb
language plpgsql
as $$
declare
  v_ids bigint[];
  v_round1 bigint[];
  v_round2 bigint[];
  v_round3 bigint[];
  v_round4 bigint[];
  v_slow bigint[];
  v_set_based integer;
  v_engaged text[];
  v_current bigint;
  v_user record;
  v_row record;
  v_applied integer := 0;
  v_hash text;
  v_sequential boolean := false;
  v_done bigint[];
  v_deferred bigint[] := '{}';
  v_casts text[];
  v_deadline timestamptz := case when p_budget_ms is not null
    then clock_timestamp() + make_interval(secs => greatest(p_budget_ms, 0) / 1000.0) end;
begin
  if coalesce(p_lanes, 1) <= 1 then
    select array_agg(id order by id) into v_ids from (
      select id from public.webhook_inbox_pending
      order by id
      limit greatest(1, least(p_limit, 5000))
      for update skip locked
    ) claimed;
  else
    -- One lane of several appliers working at once: the events whose first user object (a reaction's reactor, a
    -- cast's author, a profile's owner) has a fid in this lane; events without one go to lane 0. Every object of a fid
    -- (but a follow's target) is then applied by one lane, in inbox order as before, and lanes share no user,
    -- reaction, engager or analytics row.
    select array_agg(id order by id) into v_ids from (
      select p.id from public.webhook_inbox_pending p
      join public.webhook_inbox i on i.id = p.id
      where mod(coalesce((i.event #>> '{users,0,fid}')::bigint, 0), p_lanes) = mod(greatest(p_lane, 0), p_lanes)
      order by p.id
      limit greatest(1, least(p_limit, 5000))
      for update of p skip locked
    ) claimed;
  end if;
  if v_ids is null then
    return jsonb_build_object('applied', 0, 'failed', '[]'::jsonb);
  end if;

  -- Split the batch. Reactions go set-based in rounds: round k applies the k-th event (by inbox id, the order the
  -- one-by-one loop used) of every (cast, fid) engager pair, so within one statement each pair moves at most once.
  -- A pair with more events than rounds, or that a reply of the batch also moves (a reply of that fid to that cast,
  -- created or deleted: a deleted reply's author comes from casts_seen, or from its cast.created in the batch), goes
  -- one by one with casts, deletions and profile events.
  with ev as (
    select i.id, i.event, i.event ->> 'kind' as kind from public.webhook_inbox i where i.id = any (v_ids)
  ), replied as (
    select e.event ->> 'parentHash' as h, (e.event ->> 'authorFid')::bigint as f from ev e
    where e.kind = 'cast' and e.event ->> 'parentHash' is not null
    union
    select c.parent_hash, c.author_fid from ev e join public.casts_seen c on c.cast_hash = e.event ->> 'hash'
    where e.kind = 'cast_deleted' and c.parent_hash is not null
  ), rx as (
    select e.id, e.event ->> 'castHash' as h, (e.event ->> 'reactorFid')::bigint as f,
      row_number() over (partition by e.event ->> 'castHash', e.event ->> 'reactorFid' order by e.id) as k,
      count(*) over (partition by e.event ->> 'castHash', e.event ->> 'reactorFid') as n
    from ev e where e.kind = 'reaction'
  ), fast as (
    select rx.id, rx.k from rx
    where rx.n <= 4 and not exists (select 1 from replied r where r.h = rx.h and r.f = rx.f)
  )
  select array(select id from fast where k = 1 order by id), array(select id from fast where k = 2 order by id),
    array(select id from fast where k = 3 order by id), array(select id from fast where k = 4 order by id),
    array(select id from ev where id not in (select id from fast) order by id), (select count(*) from fast)
  into v_round1, v_round2, v_round3, v_round4, v_slow, v_set_based;

  begin
    perform public.apply_batch_users(v_ids);
    -- Casts first: a performance created in this batch then gets its reactions as transitions (as the loop, which
    -- sorted a cast before the later reactions on it, mostly did) instead of a rebuild.
    if coalesce(p_lanes, 1) > 1 then
      -- Lanes share the per-cast rows (casts seen, counters, viral sums) of the casts they engage. Each lane locks
      -- every cast its batch touches (lock_casts_for_lane), in one order, before it touches any per-cast row: before
      -- the one-by-one events when there are any (they lock their casts' rows as they go), else at the first round,
      -- after its reaction upsert. Two lanes then always take those locks in one order and cannot deadlock.
      -- Every cast whose counter row the batch may move: reactions' casts, casts and their parents, and the parent a
      -- deleted reply had when it was seen (its deletion event may not name one).
      v_casts := array(
        select k from public.webhook_inbox i,
          lateral (values (i.event ->> 'castHash'), (i.event ->> 'parentHash'), (i.event ->> 'hash')) v(k)
        where i.id = any (v_ids) and k is not null
        union
        select c.parent_hash from public.webhook_inbox i
        join public.casts_seen c on c.cast_hash = i.event ->> 'hash'
        where i.id = any (v_ids) and i.event ->> 'kind' = 'cast_deleted' and c.parent_hash is not null);
      if cardinality(v_slow) > 0 then
        perform public.lock_casts_for_lane(v_casts);
        v_casts := null;
      end if;
    end if;
    if cardinality(v_slow) > 0 then
      v_done := public.apply_webhook_events_until(v_slow, v_deadline);
      v_applied := v_applied + cardinality(v_done);
      if cardinality(v_done) < cardinality(v_slow) then
        -- Out of time: the events not reached stay pending for the next call (any order of application gives the
        -- same state; the rounds below still run).
        v_deferred := array(select x from unnest(v_slow) x where x <> all (v_done));
        v_ids := array(select x from unnest(v_ids) x where x <> all (v_deferred));
      end if;
    end if;
    if coalesce(p_lanes, 1) > 1 then
      -- In lanes the inbox rows are marked applied before the rounds: the rounds end with the per-cast rows (counters,
      -- viral sums) that the lanes share, so the shorter the work after them, the shorter the other lane waits. Not
      -- otherwise: a redelivery of a row being marked waits for this transaction to end (its duplicate check meets
      -- the uncommitted new version), and acknowledgements may be waiting then; lanes run only when none are.
      update public.webhook_inbox
      set state = 'applied', applied_at = now(), attempts = attempts + 1, error = null
      where id = any (v_ids);
      delete from public.webhook_inbox_pending where id = any (v_ids);
    end if;
    if cardinality(v_round1) > 0 then
      v_applied := v_applied + public.apply_batch_reactions(v_round1, v_casts);
    end if;
    if cardinality(v_round2) > 0 then
      v_applied := v_applied + public.apply_batch_reactions(v_round2);
    end if;
    if cardinality(v_round3) > 0 then
      v_applied := v_applied + public.apply_batch_reactions(v_round3);
    end if;
    if cardinality(v_round4) > 0 then
      v_applied := v_applied + public.apply_batch_reactions(v_round4);
    end if;
  exception
    when deadlock_detected or serialization_failure or lock_not_available or query_canceled then
      raise;
    when others then
      v_sequential := true;
  end;

  if v_sequential then
    -- A data error somewhere in the batch (everything above was rolled back): redo it one event at a time, users
    -- first, to find the event it comes from; that one is marked failed and the rest wait for the next call.
    v_applied := 0;
    begin
      for v_user in
        select i.id, u.value as u
        from public.webhook_inbox i, jsonb_array_elements(coalesce(i.event -> 'users', '[]'::jsonb)) u
        where i.id = any (v_ids)
        order by (u.value ->> 'fid')::bigint, (u.value ->> 'at')::timestamptz, i.id
      loop
        v_current := v_user.id;
        perform public.upsert_farcaster_user(v_user.u);
      end loop;
      for v_row in
        select i.id, i.event_type, i.event
        from public.webhook_inbox i
        where i.id = any (v_ids)
        order by public.webhook_event_lock_key(i.event), i.id
      loop
        v_current := v_row.id;
        perform public.apply_webhook_event(v_row.id, v_row.event_type, v_row.event);
        v_applied := v_applied + 1;
      end loop;
    exception
      when deadlock_detected or serialization_failure or lock_not_available or query_canceled then
        raise;
      when others then
        update public.webhook_inbox
        set state = 'failed', attempts = attempts + 1, error = left(sqlstate || ': ' || sqlerrm, 500)
        where id = v_current;
        delete from public.webhook_inbox_pending where id = v_current;
        return jsonb_build_object('applied', 0, 'failed', jsonb_build_array(v_current));
    end;
  end if;

  if v_sequential or coalesce(p_lanes, 1) <= 1 then
    update public.webhook_inbox
    set state = 'applied', applied_at = now(), attempts = attempts + 1, error = null
    where id = any (v_ids);
    delete from public.webhook_inbox_pending where id = any (v_ids);
  end if;

  -- Viral detection of every engaged performance of the batch, in one statement. A detection error must not fail
  -- applied events: the check is redone cast by cast, a cast whose check fails is reported as a warning, and the
  -- periodic sweep detects it instead.
  select array_agg(distinct public.webhook_event_lock_key(i.event)) into v_engaged
  from public.webhook_inbox i
  where i.id = any (v_ids) and i.event ->> 'kind' in ('reaction', 'cast')
    and (i.event ->> 'kind' = 'reaction' or i.event ->> 'parentHash' is not null);
  if v_engaged is not null then
    begin
      perform public.check_viral_batch(v_engaged);
    exception
      when deadlock_detected or serialization_failure or lock_not_available or query_canceled then
        raise;
      when others then
        foreach v_hash in array v_engaged loop
          begin
            perform public.check_viral(v_hash);
          exception
            when deadlock_detected or serialization_failure or lock_not_available or query_canceled then
              raise;
            when others then
              raise warning 'viral check for % failed: % %', v_hash, sqlstate, sqlerrm;
          end;
        end loop;
    end;
  end if;
  return jsonb_build_object('applied', v_applied, 'failed', '[]'::jsonb, 'sequential', v_sequential,
    'setBased', case when v_sequential then 0 else v_set_based end, 'deferred', cardinality(v_deferred));
end;
$$;
comment on function public.apply_webhook_inbox(integer, integer, integer, integer) is
  'Apply pending inbox rows exactly once (FOR UPDATE SKIP LOCKED, so any number of workers is safe): users and '
  'non-colliding reactions set-based, the rest one by one; then the incremental viral check once per engaged '
  'performance of the batch. A data error redoes the batch one by one and marks the event it comes from failed. '
  'With p_budget_ms, one-by-one events past the budget are left pending (the answer counts them as deferred). With '
  'p_lanes > 1, claims only lane p_lane (events whose first user''s fid mod p_lanes is p_lane; events without a '
  'user go to lane 0).';

revoke execute on function public.apply_webhook_inbox(integer, integer, integer, integer) from public, anon, authenticated;
grant execute on function public.apply_webhook_inbox(integer, integer, integer, integer) to service_role;
