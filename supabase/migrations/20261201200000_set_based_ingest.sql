-- Set-based application of a claimed inbox batch. The per-event functions of *_ingest.sql stay the definition of
-- what one event does; this migration applies a whole batch with one statement per table where the batch allows it,
-- with the same results:
--   users      per fid oldest first as before, in rounds: one insert and one update for the first object of every
--              fid, then for the second, and so on (a fid with many objects in the batch goes one by one);
--   reactions  in rounds (round k takes the k-th event, in inbox order, of every (cast, fid) pair): one upsert into
--              cast_reactions with the analytics insert (the reaction rule: latest event time wins, removal wins
--              ties), one counter statement, one statement for viral_engagers and viral_aggregates;
--   the rest   casts, deletions, profile events, pairs with more than four events, and reactions whose pair a reply
--              of the batch also moves (created or deleted) go through apply_webhook_event one at a time, in
--              lock-key order, as before, ahead of the rounds;
--   detection  one check_viral_batch statement for every performance the batch engaged.
-- Within a round every (cast, fid) pair moves at most once, so each reaction row, engager row and counter transition
-- is computed from the state before the round, and the sums of decayed contributions add up to what one-at-a-time
-- application gives (decay is multiplicative: a contribution made at t and carried to R is
-- weight * 2^(-(R - t) / half-life) either way). test/setBasedIngest.test.ts checks the result against the original
-- one-by-one function, table for table.

-- Normalised webhook user objects (src/webhooks/parseNeynarEvent.ts) as rows; verified is null when the object has
-- no list (as upsert_farcaster_user reads it).
create function public.user_objects(p_users jsonb)
returns table (
  fid bigint, username text, display_name text, pfp_url text, custody_address text, primary_eth_address text,
  score real, at timestamptz, verified text[]
)
language sql immutable
as $$
  select x.fid, x.username, x."displayName", x."pfpUrl", x."custodyAddress", x."primaryEthAddress", x.score, x.at,
    case when jsonb_typeof(x."verifiedEthAddresses") = 'array'
      then array(select jsonb_array_elements_text(x."verifiedEthAddresses")) end
  from jsonb_to_recordset(p_users) as x(
    fid bigint, username text, "displayName" text, "pfpUrl" text, "custodyAddress" text,
    "verifiedEthAddresses" jsonb, "primaryEthAddress" text, score real, at timestamptz)
$$;
comment on function public.user_objects(jsonb) is
  'Ingest: webhook user objects (a jsonb array) as typed rows, for the set-based identity bridge upsert.';

-- Upsert user objects of distinct fids with upsert_farcaster_user's rule, one insert and one update for all.
create function public.upsert_farcaster_users(p_users jsonb) returns void
language plpgsql
as $$
declare
  v_new bigint[];
begin
  with input as (
    select * from public.user_objects(p_users)
  ), inserted as (
    insert into public.users (
      farcaster_fid, username, display_name, pfp_url, custody_address, verified_eth_addresses,
      primary_eth_address, neynar_score, profile_at
    )
    select fid, username, display_name, pfp_url, custody_address, coalesce(verified, '{}'), primary_eth_address,
      score, at
    from input
    order by fid
    on conflict (farcaster_fid) do nothing
    returning farcaster_fid
  )
  select coalesce(array_agg(farcaster_fid), '{}') into v_new from inserted;

  -- The rows that will change, locked in fid order (as the one-by-one loop did) so concurrent batches cannot
  -- deadlock on them; then one update with upsert_farcaster_user's rule, field by field.
  with input as (
    select * from public.user_objects(p_users) x
    where not (x.fid = any (v_new))
  ), changing as (
    select t.farcaster_fid
    from public.users t join input v on v.fid = t.farcaster_fid
    where
      (v.at > t.profile_at and (
        t.username is distinct from coalesce(v.username, t.username)
        or t.display_name is distinct from coalesce(v.display_name, t.display_name)
        or t.pfp_url is distinct from coalesce(v.pfp_url, t.pfp_url)
        or t.custody_address is distinct from coalesce(v.custody_address, t.custody_address)
        or (v.verified is not null and t.verified_eth_addresses is distinct from v.verified)
        or (v.verified is not null and t.primary_eth_address is distinct from v.primary_eth_address)
        or (v.verified is null
          and t.primary_eth_address is distinct from coalesce(v.primary_eth_address, t.primary_eth_address))
        or t.neynar_score is distinct from coalesce(v.score, t.neynar_score)
      ))
      or (v.at = t.profile_at and (
        t.username is distinct from coalesce(v.username, t.username)
        or t.display_name is distinct from coalesce(v.display_name, t.display_name)
        or t.pfp_url is distinct from coalesce(v.pfp_url, t.pfp_url)
        or t.custody_address is distinct from coalesce(v.custody_address, t.custody_address)
        or (v.verified is not null and t.verified_eth_addresses is distinct from v.verified)
        or t.neynar_score is distinct from coalesce(v.score, t.neynar_score)
      ))
      or (v.at < t.profile_at and (
        (t.username is null and v.username is not null)
        or (t.display_name is null and v.display_name is not null)
        or (t.pfp_url is null and v.pfp_url is not null)
        or (t.custody_address is null and v.custody_address is not null)
        or (t.primary_eth_address is null and v.primary_eth_address is not null)
        or (t.neynar_score is null and v.score is not null)
      ))
    order by t.farcaster_fid
    for update of t
  )
  update public.users as t set
    username = case when v.at >= t.profile_at then coalesce(v.username, t.username)
      else coalesce(t.username, v.username) end,
    display_name = case when v.at >= t.profile_at then coalesce(v.display_name, t.display_name)
      else coalesce(t.display_name, v.display_name) end,
    pfp_url = case when v.at >= t.profile_at then coalesce(v.pfp_url, t.pfp_url)
      else coalesce(t.pfp_url, v.pfp_url) end,
    custody_address = case when v.at >= t.profile_at then coalesce(v.custody_address, t.custody_address)
      else coalesce(t.custody_address, v.custody_address) end,
    verified_eth_addresses = case when v.at >= t.profile_at and v.verified is not null then v.verified
      else t.verified_eth_addresses end,
    primary_eth_address = case
      when v.at >= t.profile_at and v.verified is not null then v.primary_eth_address
      when v.at >= t.profile_at then coalesce(v.primary_eth_address, t.primary_eth_address)
      else coalesce(t.primary_eth_address, v.primary_eth_address) end,
    neynar_score = case when v.at >= t.profile_at then coalesce(v.score, t.neynar_score)
      else coalesce(t.neynar_score, v.score) end,
    profile_at = greatest(t.profile_at, v.at),
    updated_at = now()
  from input v
  where v.fid = t.farcaster_fid and t.farcaster_fid in (select farcaster_fid from changing);
end;
$$;
comment on function public.upsert_farcaster_users(jsonb) is
  'Identity bridge upsert of many users at once (distinct fids): upsert_farcaster_user''s rule, set-based.';

-- Every user object of a batch, in the order the one-by-one loop applied them (per fid: oldest first), as rounds:
-- round k upserts the k-th object of every fid that has one, set-based. A fid with more objects than rounds goes
-- one by one.
create function public.apply_batch_users(p_ids bigint[]) returns void
language plpgsql
as $$
declare
  v_rounds jsonb;
  v_round jsonb;
  v_many jsonb;
  v_user jsonb;
begin
  with objs as (
    select u.value as u, (u.value ->> 'fid')::bigint as fid,
      row_number() over (partition by u.value ->> 'fid' order by (u.value ->> 'at')::timestamptz, i.id) as k,
      count(*) over (partition by u.value ->> 'fid') as n
    from public.webhook_inbox i, jsonb_array_elements(coalesce(i.event -> 'users', '[]'::jsonb)) u
    where i.id = any (p_ids)
  )
  select
    (select jsonb_agg(r.round order by r.k) from (
      select k, jsonb_agg(u order by fid) as round from objs where n <= 4 group by k) r),
    (select jsonb_agg(u order by fid, k) from objs where n > 4)
  into v_rounds, v_many;

  for v_round in select value from jsonb_array_elements(coalesce(v_rounds, '[]'::jsonb)) loop
    perform public.upsert_farcaster_users(v_round);
  end loop;
  for v_user in select value from jsonb_array_elements(coalesce(v_many, '[]'::jsonb)) loop
    perform public.upsert_farcaster_user(v_user);
  end loop;
end;
$$;
comment on function public.apply_batch_users(bigint[]) is
  'Ingest: upsert every user object of a claimed inbox batch, per fid oldest first (newest data wins field by '
  'field, older data fills gaps): set-based in rounds, one by one for a fid with many objects in the batch.';

-- Reactions whose (cast, fid) pairs are distinct (one round of a batch): the reaction rule, counters, viral sums and
-- analytics in four statements. Returns how many were applied.
create function public.apply_batch_reactions(p_ids bigint[]) returns integer
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
comment on function public.apply_batch_reactions(bigint[]) is
  'Ingest: apply reaction events whose (cast, fid) pairs are distinct within the batch in one statement per table '
  '(reaction rule, counters, viral engagers and sums, analytics), with the results of applying them one by one.';

-- One event at a time, in lock-key order: the path for everything the set statements do not take, and the fallback
-- that finds the event a data error comes from (the caller marks it failed).
create function public.apply_webhook_events_in_order(p_ids bigint[]) returns integer
language plpgsql
as $$
declare
  v_row record;
  v_applied integer := 0;
begin
  for v_row in
    select i.id, i.event_type, i.event
    from public.webhook_inbox i
    where i.id = any (p_ids)
    order by public.webhook_event_lock_key(i.event), i.id
  loop
    perform public.apply_webhook_event(v_row.id, v_row.event_type, v_row.event);
    v_applied := v_applied + 1;
  end loop;
  return v_applied;
end;
$$;
comment on function public.apply_webhook_events_in_order(bigint[]) is
  'Ingest: apply inbox events one by one in lock-key order (casts, deletions, profiles, colliding reactions).';

-- check_viral for many performances in one statement (the sweep's logic on the given casts): enqueues every one that
-- is eligible and over the threshold now. Returns how many jobs it created.
create function public.check_viral_batch(p_cast_hashes text[], p_now timestamptz default now()) returns integer
language plpgsql
as $$
declare
  p public.viral_params;
  v_enqueued integer;
begin
  select * into p from public.viral_params;
  with crossing as (
    select a.performance_id,
      (public.viral_score(a.likes_s, a.recasts_s, a.replies_s, a.views_s, a.engagers_s, a.ref_at, p_now, p)).score
        as score
    from public.viral_aggregates a
    where a.cast_hash = any (p_cast_hashes)
      and a.deleted_at is null
      and a.engagers >= p.min_unique_engagers
      and a.cast_created_at <= p_now - make_interval(secs => p.min_age_seconds)
      and not exists (select 1 from public.viral_queue q where q.performance_id = a.performance_id)
  ), over as (
    select c.performance_id, c.score from crossing c where c.score >= p.threshold
  ), locked as (
    -- As check_viral: a concurrent deletion either commits first (and is seen) or waits for the job.
    select pf.id from public.performances pf
    where pf.id in (select performance_id from over) and pf.deleted_at is null
    order by pf.id
    for share
  ), enqueued as (
    insert into public.viral_queue (performance_id, detection_score)
    select o.performance_id, o.score from over o where o.performance_id in (select id from locked)
    order by o.performance_id
    on conflict (performance_id) do nothing
    returning 1
  )
  select count(*) into v_enqueued from enqueued;
  return v_enqueued;
end;
$$;
comment on function public.check_viral_batch(text[], timestamptz) is
  'Incremental detection for the performances an inbox batch engaged, in one statement (idempotent: one job each).';

create or replace function public.apply_webhook_inbox(p_limit integer default 500) returns jsonb
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
begin
  select array_agg(id order by id) into v_ids from (
    select id from public.webhook_inbox
    where state = 'pending'
    order by id
    limit greatest(1, least(p_limit, 5000))
    for update skip locked
  ) claimed;
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
    if cardinality(v_slow) > 0 then
      v_applied := v_applied + public.apply_webhook_events_in_order(v_slow);
    end if;
    if cardinality(v_round1) > 0 then
      v_applied := v_applied + public.apply_batch_reactions(v_round1);
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
        return jsonb_build_object('applied', 0, 'failed', jsonb_build_array(v_current));
    end;
  end if;

  update public.webhook_inbox
  set state = 'applied', applied_at = now(), attempts = attempts + 1, error = null
  where id = any (v_ids);

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
    'setBased', case when v_sequential then 0 else v_set_based end);
end;
$$;
comment on function public.apply_webhook_inbox(integer) is
  'Apply pending inbox rows exactly once (FOR UPDATE SKIP LOCKED, so any number of workers is safe): users and '
  'non-colliding reactions set-based, the rest one by one; then the incremental viral check once per engaged '
  'performance of the batch. A data error redoes the batch one by one and marks the event it comes from failed.';

revoke execute on function public.user_objects(jsonb) from public, anon, authenticated;
revoke execute on function public.upsert_farcaster_users(jsonb) from public, anon, authenticated;
revoke execute on function public.apply_batch_users(bigint[]) from public, anon, authenticated;
revoke execute on function public.apply_batch_reactions(bigint[]) from public, anon, authenticated;
revoke execute on function public.apply_webhook_events_in_order(bigint[]) from public, anon, authenticated;
grant execute on function public.user_objects(jsonb) to service_role;
grant execute on function public.upsert_farcaster_users(jsonb) to service_role;
grant execute on function public.apply_batch_users(bigint[]) to service_role;
grant execute on function public.apply_batch_reactions(bigint[]) to service_role;
grant execute on function public.apply_webhook_events_in_order(bigint[]) to service_role;
revoke execute on function public.check_viral_batch(text[], timestamptz) from public, anon, authenticated;
grant execute on function public.check_viral_batch(text[], timestamptz) to service_role;

-- Plan caching on the hot paths. A `language sql` function with a data-modifying statement is parsed and planned on
-- every call (it cannot be inlined); PL/pgSQL keeps the plan (npm run bench:ingest-sql measures the commit).
-- Same statements, same results.
create or replace function public.ingest_webhook_events(p_deliveries jsonb) returns jsonb
language plpgsql
as $$
declare
  v_stored jsonb;
begin
  with input as (
    select d.sha256, d.raw_body, d.event_type, d.event, d.verified, d.ord
    from rows from (
      jsonb_to_recordset(p_deliveries) as (sha256 text, raw_body text, event_type text, event jsonb, verified boolean)
    ) with ordinality as d(sha256, raw_body, event_type, event, verified, ord)
  ),
  stored as (
    insert into public.webhook_inbox (body_sha256, raw_body, event_type, event, signature_verified, state)
    select sha256, raw_body, event_type, event, verified,
      case when event ->> 'kind' = 'ignored' then 'ignored' else 'pending' end
    from input
    order by ord
    on conflict (source, body_sha256) do nothing
    returning body_sha256
  )
  select jsonb_build_object('stored', coalesce(jsonb_agg(body_sha256), '[]'::jsonb)) into v_stored from stored;
  return v_stored;
end;
$$;

create or replace function public.add_performance_activity(
  p_cast_hash text, p_at timestamptz, p_likes integer, p_recasts integer, p_replies integer, p_views integer,
  p_buys integer default 0, p_sells integer default 0, p_volume_wei numeric default 0, p_holders integer default 0
) returns void
language plpgsql
as $$
begin
  insert into public.performance_activity as a (
    cast_hash, bucket_start, likes, recasts, replies, views, buys, sells, volume_wei, holders_delta
  ) values (
    p_cast_hash, date_trunc('hour', p_at, 'UTC'), p_likes, p_recasts, p_replies, p_views, p_buys, p_sells, p_volume_wei,
    p_holders
  )
  on conflict (cast_hash, bucket_start) do update set
    likes = a.likes + excluded.likes,
    recasts = a.recasts + excluded.recasts,
    replies = a.replies + excluded.replies,
    views = a.views + excluded.views,
    buys = a.buys + excluded.buys,
    sells = a.sells + excluded.sells,
    volume_wei = a.volume_wei + excluded.volume_wei,
    holders_delta = a.holders_delta + excluded.holders_delta;
end;
$$;
