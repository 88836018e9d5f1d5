-- Viral detection, the coin-creation queue and the coins it creates.
--
-- Score (public.viral_score, documented in the README): every engagement on a performance adds
--   weight(kind) * quality(engager) * 2^(-age / half_life)
-- to its component (likes, recasts, replies, views, unique engagers), where quality is 0 for the artist, the
-- engager's Neynar score scaled to reach 1 at full_quality_score, or unknown_quality_weight when the score is unknown.
-- The decayed sums are maintained incrementally at the moment a reaction or reply changes state (the same
-- transitions that move the exact counters, see *_ingest.sql) or a verified viewer is first seen (see
-- *_frames_and_trades.sql), as values at a reference time ref_at:
--   S(now) = S(ref_at) * 2^(-(now - ref_at) / half_life)
-- so an incremental check is O(1) arithmetic and a sweep is one scan over public.viral_aggregates.

-- Jobs, parameters and the audit log never disappear.
create function public.forbid_viral_delete() returns trigger
language plpgsql
as $$
begin
  raise exception '% rows are never deleted', tg_table_name using errcode = '55000';
end;
$$;
comment on function public.forbid_viral_delete() is 'Trigger: refuse deleting queue jobs, parameters and their log.';

create table public.viral_params (
  id boolean primary key default true check (id),
  like_weight double precision not null default 1 check (like_weight >= 0),
  recast_weight double precision not null default 2 check (recast_weight >= 0),
  reply_weight double precision not null default 3 check (reply_weight >= 0),
  view_weight double precision not null default 0.05 check (view_weight >= 0),
  engager_weight double precision not null default 2 check (engager_weight >= 0),
  half_life_hours double precision not null default 24 check (half_life_hours > 0),
  threshold double precision not null default 100 check (threshold > 0),
  min_unique_engagers integer not null default 10 check (min_unique_engagers >= 0),
  min_age_seconds integer not null default 0 check (min_age_seconds >= 0),
  full_quality_score double precision not null default 0.7 check (full_quality_score > 0 and full_quality_score <= 1),
  unknown_quality_weight double precision not null default 0.5
    check (unknown_quality_weight between 0 and 1),
  updated_by text not null default 'migration',
  updated_at timestamptz not null default now()
);
comment on table public.viral_params is
  'The one current set of viral score parameters (single row). Every change is recorded in viral_param_changes.';
insert into public.viral_params default values;

create table public.viral_param_changes (
  id bigint generated always as identity primary key,
  changed_by text not null,
  changed_at timestamptz not null default now(),
  old_params jsonb not null,
  new_params jsonb not null
);
comment on table public.viral_param_changes is 'Audit log: who changed the viral parameters, when, from what, to what.';

-- Record every effective change of the parameters, however it is made (function or direct update).
create function public.record_viral_param_change() returns trigger
language plpgsql
as $$
declare
  v_old jsonb := to_jsonb(old) - 'updated_at' - 'updated_by' - 'id';
  v_new jsonb := to_jsonb(new) - 'updated_at' - 'updated_by' - 'id';
begin
  if v_old = v_new then
    return new;
  end if;
  new.updated_at := now();
  insert into public.viral_param_changes (changed_by, old_params, new_params)
  values (new.updated_by, v_old, v_new);
  return new;
end;
$$;
comment on function public.record_viral_param_change() is 'Trigger: log each effective viral parameter change.';
create trigger viral_params_audit before update on public.viral_params
  for each row execute function public.record_viral_param_change();
create trigger viral_params_no_delete before delete or truncate on public.viral_params
  for each statement execute function public.forbid_viral_delete();
create trigger viral_param_changes_no_delete before delete or truncate on public.viral_param_changes
  for each statement execute function public.forbid_viral_delete();

-- Per-performance decayed sums (values at ref_at), exact unique engager count, and what detection needs.
create table public.viral_aggregates (
  cast_hash text primary key references public.performances (cast_hash),
  performance_id uuid not null unique references public.performances (id),
  artist_fid bigint not null,
  cast_created_at timestamptz not null,
  deleted_at timestamptz,
  ref_at timestamptz not null,
  likes_s double precision not null default 0,
  recasts_s double precision not null default 0,
  replies_s double precision not null default 0,
  views_s double precision not null default 0,
  engagers_s double precision not null default 0,
  engagers integer not null default 0 check (engagers >= 0),
  updated_at timestamptz not null default now()
);
comment on table public.viral_aggregates is
  'Quality-weighted, exponentially decayed engagement sums per performance as of ref_at, maintained by the ingest '
  'functions on each state transition; engagers is the exact number of distinct non-artist engagers.';

-- Per (performance, engager): whether the pair counts as an engager, the quality weight fixed while it does, and the
-- activation times needed to subtract exactly what was added when a reaction or reply goes away.
create table public.viral_engagers (
  cast_hash text not null references public.viral_aggregates (cast_hash),
  fid bigint not null,
  weight double precision not null check (weight between 0 and 1),
  engaged_at timestamptz not null,
  like_at timestamptz,
  recast_at timestamptz,
  replies integer not null default 0 check (replies >= 0),
  prev_active boolean not null default false,
  primary key (cast_hash, fid)
);
comment on table public.viral_engagers is
  'One row per (performance, engaging fid): active while the fid has a like, recast or counted reply on it.';

create table public.performance_coins (
  id uuid primary key default gen_random_uuid(),
  performance_id uuid not null unique references public.performances (id),
  coin_address text not null unique check (coin_address ~ '^0x[0-9a-f]{40}$'),
  chain_id integer not null,
  symbol text not null,
  name text not null,
  tx_hash text not null check (tx_hash ~ '^0x[0-9a-f]{64}$'),
  block_number bigint,
  pool_id text,
  pool_key jsonb,
  current_price_eth numeric,
  created_at timestamptz not null default now()
);
comment on table public.performance_coins is 'The Zora coin created for a viral performance (at most one).';

-- Coin-creation jobs: one per performance that crossed the threshold, with the lease, the crash-safe intent and
-- the outcome; the constraints say what each state must carry, the transition trigger which moves are legal.
create table public.viral_queue (
  id bigint generated always as identity primary key,
  performance_id uuid not null unique references public.performances (id),
  detection_score numeric not null,
  status text not null default 'pending'
    check (status in ('pending', 'submitting', 'submitted', 'confirmed', 'failed')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  last_error text,
  wait_reason text,
  claimed_by text,
  lease_until timestamptz,
  sender_address text check (sender_address ~ '^0x[0-9a-f]{40}$'),
  nonce bigint check (nonce >= 0),
  expected_coin_address text check (expected_coin_address ~ '^0x[0-9a-f]{40}$'),
  chain_id integer check (chain_id > 0),
  tx_hash text check (tx_hash ~ '^0x[0-9a-f]{64}$'),
  coin_address text references public.performance_coins (coin_address),
  intent_at timestamptz,
  submitted_at timestamptz,
  confirmed_at timestamptz,
  failed_at timestamptz,
  constraint viral_queue_lease check ((claimed_by is null) = (lease_until is null)),
  constraint viral_queue_intent check (
    status not in ('submitting', 'submitted', 'confirmed')
    or (sender_address is not null and chain_id is not null and intent_at is not null
      and (nonce is not null or expected_coin_address is not null))),
  constraint viral_queue_submitted check (status <> 'submitted' or (tx_hash is not null and submitted_at is not null)),
  constraint viral_queue_confirmed check (
    (status = 'confirmed') = (coin_address is not null)
    and (status <> 'confirmed' or (tx_hash is not null and confirmed_at is not null and claimed_by is null))),
  constraint viral_queue_failed check (
    (status = 'failed') = (failed_at is not null) and (status <> 'failed' or last_error is not null))
);
comment on table public.viral_queue is
  'Coin-creation jobs, exactly one per performance that crossed the viral threshold (unique performance_id). '
  'pending -> submitting (intent: sender, nonce / expected coin address, chain id recorded before sending) -> '
  'submitted (tx hash) -> confirmed (coin address, a performance_coins row); any unconfirmed state -> failed. '
  'Jobs are never deleted.';
comment on column public.viral_queue.wait_reason is
  'Why a pending job waits without counting an attempt (e.g. the artist has no wallet address).';
create index viral_queue_due_idx on public.viral_queue (next_attempt_at, id)
  where status in ('pending', 'submitting', 'submitted');
create index viral_queue_status_idx on public.viral_queue (status, id);
create trigger viral_queue_no_delete before delete or truncate on public.viral_queue
  for each statement execute function public.forbid_viral_delete();

-- The legal state transitions of a job; check constraints cover what each state must carry.
create function public.check_viral_transition() returns trigger
language plpgsql
as $$
begin
  if new.performance_id <> old.performance_id then
    raise exception 'viral job % cannot move to another performance', old.id using errcode = '23514';
  end if;
  if not (
    old.status = new.status and old.status <> 'confirmed'
    or (old.status, new.status) in (
      ('pending', 'submitting'), ('pending', 'failed'),
      ('submitting', 'submitted'), ('submitting', 'confirmed'), ('submitting', 'failed'),
      ('submitted', 'submitting'), ('submitted', 'confirmed'), ('submitted', 'failed'),
      ('failed', 'pending'))
  ) then
    raise exception 'illegal viral job transition % -> % (job %)', old.status, new.status, old.id
      using errcode = '23514';
  end if;
  new.updated_at := now();
  return new;
end;
$$;
comment on function public.check_viral_transition() is
  'Trigger: only pending -> submitting -> submitted -> confirmed, unconfirmed -> failed, failed -> pending (requeue).';
create trigger viral_queue_transition before update on public.viral_queue
  for each row execute function public.check_viral_transition();

create table public.coin_notifications (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('coin_created')),
  performance_id uuid not null references public.performances (id),
  artist_fid bigint not null,
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  unique (kind, performance_id)
);
comment on table public.coin_notifications is
  'Notifications owed to artists (coin_created once per performance); sending them is a later feature.';

-- 2^(-(p_to - p_from) / half-life): the factor a value at p_from has decayed by at p_to.
create function public.viral_decay(p_from timestamptz, p_to timestamptz, p_half_life_hours double precision)
returns double precision
language sql immutable parallel safe
as $$
  select power(2::double precision, -extract(epoch from (p_to - p_from))::double precision / (p_half_life_hours * 3600))
$$;
comment on function public.viral_decay(timestamptz, timestamptz, double precision) is
  'Exponential decay factor between two times for a half-life in hours.';

-- Quality weight of one engager: 0 for the artist, the Neynar score scaled to 1 at full_quality_score, or the
-- documented default when the score is unknown.
create function public.viral_quality(p_neynar_score double precision, p_is_artist boolean, p public.viral_params)
returns double precision
language sql immutable parallel safe
as $$
  select case
    when p_is_artist then 0
    when p_neynar_score is null then p.unknown_quality_weight
    else least(1, greatest(0, p_neynar_score) / p.full_quality_score)
  end
$$;
comment on function public.viral_quality(double precision, boolean, public.viral_params) is
  'Engager quality weight: artist 0, Neynar score / full_quality_score capped at 1, unknown score -> default.';

-- The score and each component's contribution at p_now, from a performance's decayed sums at p_ref_at.
create function public.viral_score(
  p_likes double precision, p_recasts double precision, p_replies double precision, p_views double precision,
  p_engagers double precision, p_ref_at timestamptz, p_now timestamptz, p public.viral_params,
  out score double precision, out likes double precision, out recasts double precision, out replies double precision,
  out views double precision, out engagers double precision
)
language sql immutable parallel safe
as $$
  select
    d * (p.like_weight * greatest(0, p_likes) + p.recast_weight * greatest(0, p_recasts)
      + p.reply_weight * greatest(0, p_replies) + p.view_weight * greatest(0, p_views)
      + p.engager_weight * greatest(0, p_engagers)),
    d * p.like_weight * greatest(0, p_likes),
    d * p.recast_weight * greatest(0, p_recasts),
    d * p.reply_weight * greatest(0, p_replies),
    d * p.view_weight * greatest(0, p_views),
    d * p.engager_weight * greatest(0, p_engagers)
  from (select least(1, public.viral_decay(p_ref_at, p_now, p.half_life_hours)) as d) f
$$;
comment on function public.viral_score(double precision, double precision, double precision, double precision,
  double precision, timestamptz, timestamptz, public.viral_params) is
  'Viral score = decay(now - ref_at) * sum(weight_k * decayed quality-weighted sum_k) over likes, recasts, replies, '
  'views and unique engagers; also returns each contribution. Used by the incremental check, the sweep and the API.';

-- Recompute engagers and decayed sums from the reaction and reply rows (all performances, or one cast), with
-- quality weights from current Neynar scores and each engagement at its (clamped) event time.
create function public.rebuild_viral_aggregates(p_cast_hash text default null) returns integer
language plpgsql
as $$
declare
  p public.viral_params;
  v_now timestamptz := now();
  v_count integer;
begin
  select * into p from public.viral_params;
  insert into public.viral_aggregates (cast_hash, performance_id, artist_fid, cast_created_at, deleted_at, ref_at)
  select pf.cast_hash, pf.id, pf.artist_fid, pf.cast_created_at, pf.deleted_at, v_now
  from public.performances pf
  where p_cast_hash is null or pf.cast_hash = p_cast_hash
  on conflict (cast_hash) do update set deleted_at = excluded.deleted_at, ref_at = v_now,
    likes_s = 0, recasts_s = 0, replies_s = 0, views_s = 0, engagers_s = 0, engagers = 0, updated_at = v_now;

  with reactions as (
    select r.cast_hash, r.reactor_fid as fid,
      max(least(r.event_at, v_now)) filter (where r.reaction_type = 'like') as like_at,
      max(least(r.event_at, v_now)) filter (where r.reaction_type = 'recast') as recast_at
    from public.cast_reactions r
    join public.viral_aggregates a on a.cast_hash = r.cast_hash
    where r.active and (p_cast_hash is null or r.cast_hash = p_cast_hash)
    group by r.cast_hash, r.reactor_fid
  ), replies as (
    select c.parent_hash as cast_hash, c.author_fid as fid, count(*)::integer as n,
      min(least(c.cast_at, v_now)) as first_at
    from public.casts_seen c
    join public.viral_aggregates a on a.cast_hash = c.parent_hash
    where c.counted_reply and (p_cast_hash is null or c.parent_hash = p_cast_hash)
    group by c.parent_hash, c.author_fid
  ), pairs as (
    select coalesce(r.cast_hash, y.cast_hash) as cast_hash, coalesce(r.fid, y.fid) as fid,
      r.like_at, r.recast_at, coalesce(y.n, 0) as replies,
      least(r.like_at, r.recast_at, y.first_at) as engaged_at
    from reactions r full join replies y on y.cast_hash = r.cast_hash and y.fid = r.fid
  )
  , upserted as (
    insert into public.viral_engagers as g (cast_hash, fid, weight, engaged_at, like_at, recast_at, replies)
    select x.cast_hash, x.fid, public.viral_quality(u.neynar_score, x.fid = a.artist_fid, p),
      x.engaged_at, x.like_at, x.recast_at, x.replies
    from pairs x
    join public.viral_aggregates a on a.cast_hash = x.cast_hash
    left join public.users u on u.farcaster_fid = x.fid
    on conflict (cast_hash, fid) do update set
      weight = case when g.like_at is not null or g.recast_at is not null or g.replies > 0 then g.weight
        else excluded.weight end,
      engaged_at = case when g.like_at is not null or g.recast_at is not null or g.replies > 0 then g.engaged_at
        else excluded.engaged_at end,
      like_at = excluded.like_at, recast_at = excluded.recast_at, replies = excluded.replies, prev_active = false
    returning g.cast_hash, g.fid
  )
  delete from public.viral_engagers e
  where (p_cast_hash is null or e.cast_hash = p_cast_hash)
    and not exists (select 1 from upserted u where u.cast_hash = e.cast_hash and u.fid = e.fid);

  with sums as (
    select e.cast_hash,
      sum(e.weight * public.viral_decay(e.like_at, v_now, p.half_life_hours)) filter (where e.like_at is not null)
        as likes_s,
      sum(e.weight * public.viral_decay(e.recast_at, v_now, p.half_life_hours)) filter (where e.recast_at is not null)
        as recasts_s,
      sum(e.weight * public.viral_decay(e.engaged_at, v_now, p.half_life_hours)) as engagers_s,
      count(*) filter (where e.fid <> a.artist_fid)::integer as engagers
    from public.viral_engagers e
    join public.viral_aggregates a on a.cast_hash = e.cast_hash
    where p_cast_hash is null or e.cast_hash = p_cast_hash
    group by e.cast_hash
  ), reply_sums as (
    select c.parent_hash as cast_hash,
      sum(e.weight * public.viral_decay(least(c.cast_at, v_now), v_now, p.half_life_hours)) as replies_s
    from public.casts_seen c
    join public.viral_engagers e on e.cast_hash = c.parent_hash and e.fid = c.author_fid
    where c.counted_reply and (p_cast_hash is null or c.parent_hash = p_cast_hash)
    group by c.parent_hash
  )
  update public.viral_aggregates a set
    likes_s = coalesce(s.likes_s, 0), recasts_s = coalesce(s.recasts_s, 0),
    replies_s = coalesce(y.replies_s, 0), engagers_s = coalesce(s.engagers_s, 0),
    engagers = coalesce(s.engagers, 0)
  from sums s full join reply_sums y on y.cast_hash = s.cast_hash
  where a.cast_hash = coalesce(s.cast_hash, y.cast_hash);

  select count(*) into v_count from public.viral_aggregates where p_cast_hash is null or cast_hash = p_cast_hash;
  return v_count;
end;
$$;
comment on function public.rebuild_viral_aggregates(text) is
  'Set-based recomputation of viral_engagers and viral_aggregates from cast_reactions and casts_seen (all or one '
  'cast); an engager still active keeps its recorded quality weight and activation time. Used when a performance appears after its engagement, when the half-life changes, and by the benchmark.';

-- Apply one engagement transition (an actual state change the exact counters also saw) to the decayed sums.
-- Must run after bump_metric locked the cast's counter row: every transition of a cast is then serialised, and this
-- function's statements see every earlier committed transition.
create function public.apply_viral_transition(
  p_cast_hash text, p_fid bigint, p_kind text, p_delta integer, p_at timestamptz
) returns void
language plpgsql
as $$
declare
  p public.viral_params;
  a public.viral_aggregates%rowtype;
  e public.viral_engagers%rowtype;
  v_t timestamptz := least(p_at, now());
  v_old_at timestamptz;
  v_active boolean;
  d_likes double precision := 0;
  d_recasts double precision := 0;
  d_replies double precision := 0;
  d_engagers double precision := 0;
  v_engager_delta integer := 0;
begin
  if p_delta = 0 or p_fid is null then
    return;
  end if;
  select * into a from public.viral_aggregates where cast_hash = p_cast_hash;
  if not found then
    return;
  end if;
  select * into p from public.viral_params;
  if p_delta > 0 then
    insert into public.viral_engagers as g (cast_hash, fid, weight, engaged_at, like_at, recast_at, replies)
    values (
      p_cast_hash, p_fid,
      public.viral_quality((select neynar_score from public.users where farcaster_fid = p_fid), p_fid = a.artist_fid, p),
      v_t,
      case when p_kind = 'like' then v_t end,
      case when p_kind = 'recast' then v_t end,
      case when p_kind = 'reply' then 1 else 0 end
    )
    on conflict (cast_hash, fid) do update set
      prev_active = g.like_at is not null or g.recast_at is not null or g.replies > 0,
      weight = case when g.like_at is not null or g.recast_at is not null or g.replies > 0 then g.weight
        else excluded.weight end,
      engaged_at = case when g.like_at is not null or g.recast_at is not null or g.replies > 0 then g.engaged_at
        else excluded.engaged_at end,
      like_at = case when p_kind = 'like' then excluded.like_at else g.like_at end,
      recast_at = case when p_kind = 'recast' then excluded.recast_at else g.recast_at end,
      replies = g.replies + excluded.replies
    returning * into e;
    if p_kind = 'like' then d_likes := e.weight;
    elsif p_kind = 'recast' then d_recasts := e.weight;
    else d_replies := e.weight;
    end if;
    if not e.prev_active then
      d_engagers := e.weight;
      v_engager_delta := (p_fid <> a.artist_fid)::integer;
    end if;
  else
    select * into e from public.viral_engagers where cast_hash = p_cast_hash and fid = p_fid for update;
    if not found then
      return;
    end if;
    v_old_at := case p_kind when 'like' then e.like_at when 'recast' then e.recast_at else v_t end;
    update public.viral_engagers set
      like_at = case when p_kind = 'like' then null else like_at end,
      recast_at = case when p_kind = 'recast' then null else recast_at end,
      replies = greatest(0, replies - (p_kind = 'reply')::integer),
      prev_active = true
    where cast_hash = p_cast_hash and fid = p_fid
    returning like_at is not null or recast_at is not null or replies > 0 into v_active;
    if v_old_at is not null then
      if p_kind = 'like' then d_likes := -e.weight * public.viral_decay(v_old_at, v_t, p.half_life_hours);
      elsif p_kind = 'recast' then d_recasts := -e.weight * public.viral_decay(v_old_at, v_t, p.half_life_hours);
      else d_replies := -e.weight;
      end if;
    end if;
    if not v_active then
      d_engagers := -e.weight * public.viral_decay(e.engaged_at, v_t, p.half_life_hours);
      v_engager_delta := -(p_fid <> a.artist_fid)::integer;
    end if;
  end if;
  update public.viral_aggregates set
    ref_at = greatest(ref_at, v_t),
    likes_s = likes_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours)
      + d_likes * public.viral_decay(v_t, greatest(ref_at, v_t), p.half_life_hours),
    recasts_s = recasts_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours)
      + d_recasts * public.viral_decay(v_t, greatest(ref_at, v_t), p.half_life_hours),
    replies_s = replies_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours)
      + d_replies * public.viral_decay(v_t, greatest(ref_at, v_t), p.half_life_hours),
    views_s = views_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours),
    engagers_s = engagers_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours)
      + d_engagers * public.viral_decay(v_t, greatest(ref_at, v_t), p.half_life_hours),
    engagers = greatest(0, engagers + v_engager_delta),
    updated_at = now()
  where cast_hash = p_cast_hash;
end;
$$;
comment on function public.apply_viral_transition(text, bigint, text, integer, timestamptz) is
  'Incremental viral aggregates: add or subtract exactly one engagement''s decayed, quality-weighted contribution.';

-- One new verified viewer adds its quality-weighted, decayed contribution to the performance's views sum.
create function public.apply_viral_view(p_cast_hash text, p_fid bigint, p_at timestamptz) returns void
language plpgsql
as $$
declare
  p public.viral_params;
  v_t timestamptz := least(p_at, now());
  v_weight double precision;
begin
  select * into p from public.viral_params;
  select public.viral_quality(u.neynar_score, p_fid = a.artist_fid, p) into v_weight
  from public.viral_aggregates a left join public.users u on u.farcaster_fid = p_fid
  where a.cast_hash = p_cast_hash;
  if v_weight is null then
    return;
  end if;
  update public.viral_aggregates set
    ref_at = greatest(ref_at, v_t),
    likes_s = likes_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours),
    recasts_s = recasts_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours),
    replies_s = replies_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours),
    views_s = views_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours)
      + v_weight * public.viral_decay(v_t, greatest(ref_at, v_t), p.half_life_hours),
    engagers_s = engagers_s * public.viral_decay(ref_at, greatest(ref_at, v_t), p.half_life_hours),
    updated_at = now()
  where cast_hash = p_cast_hash;
end;
$$;
comment on function public.apply_viral_view(text, bigint, timestamptz) is
  'Incremental viral aggregates: add one verified viewer''s decayed, quality-weighted view.';

-- Enqueue the performance if it is eligible and over the threshold at p_now. Returns true when a job was created.
create function public.check_viral(p_cast_hash text, p_now timestamptz default now()) returns boolean
language plpgsql
as $$
declare
  p public.viral_params;
  a public.viral_aggregates%rowtype;
  v_score double precision;
  v_id bigint;
begin
  select * into a from public.viral_aggregates where cast_hash = p_cast_hash;
  if not found or a.deleted_at is not null then
    return false;
  end if;
  select * into p from public.viral_params;
  if a.engagers < p.min_unique_engagers or a.cast_created_at > p_now - make_interval(secs => p.min_age_seconds) then
    return false;
  end if;
  v_score := (public.viral_score(a.likes_s, a.recasts_s, a.replies_s, a.views_s, a.engagers_s, a.ref_at, p_now, p)).score;
  if v_score < p.threshold then
    return false;
  end if;
  -- Lock the performance so a concurrent deletion either commits first (and is seen) or waits for this job.
  perform 1 from public.performances where id = a.performance_id and deleted_at is null for share;
  if not found then
    return false;
  end if;
  insert into public.viral_queue (performance_id, detection_score)
  values (a.performance_id, v_score)
  on conflict (performance_id) do nothing
  returning id into v_id;
  return v_id is not null;
end;
$$;
comment on function public.check_viral(text, timestamptz) is
  'Incremental detection for one performance: O(1); crossing the threshold enqueues exactly one job (unique key).';

-- Periodic detection over every candidate performance. Returns {checked, enqueued}.
create function public.sweep_viral(p_now timestamptz default now()) returns jsonb
language plpgsql
as $$
declare
  p public.viral_params;
  v_checked integer;
  v_enqueued integer;
begin
  select * into p from public.viral_params;
  with candidates as (
    select a.performance_id, a.cast_hash,
      (public.viral_score(a.likes_s, a.recasts_s, a.replies_s, a.views_s, a.engagers_s, a.ref_at, p_now, p)).score
        as score
    from public.viral_aggregates a
    where a.deleted_at is null
      and a.engagers >= p.min_unique_engagers
      and a.cast_created_at <= p_now - make_interval(secs => p.min_age_seconds)
      and not exists (select 1 from public.viral_queue q where q.performance_id = a.performance_id)
  ), crossing as (
    select c.performance_id, c.score from candidates c where c.score >= p.threshold
  ), locked as (
    select pf.id from public.performances pf
    where pf.id in (select performance_id from crossing) and pf.deleted_at is null
    order by pf.id
    for share
  ), enqueued as (
    insert into public.viral_queue (performance_id, detection_score)
    select c.performance_id, c.score from crossing c where c.performance_id in (select id from locked)
    on conflict (performance_id) do nothing
    returning 1
  )
  select (select count(*) from candidates), (select count(*) from enqueued) into v_checked, v_enqueued;
  return jsonb_build_object('checked', v_checked, 'enqueued', v_enqueued);
end;
$$;
comment on function public.sweep_viral(timestamptz) is
  'Viral sweep: one scan of viral_aggregates; enqueues every eligible performance over the threshold (idempotent).';

-- Set parameters from a jsonb patch ({threshold: 120, ...}); the audit trigger records the change if any.
create function public.set_viral_params(p_patch jsonb, p_actor text) returns jsonb
language plpgsql
as $$
declare
  v_old public.viral_params;
  v_new public.viral_params;
begin
  select * into v_old from public.viral_params for update;
  v_new := jsonb_populate_record(v_old, (p_patch - 'id' - 'updated_at' - 'updated_by')
    || jsonb_build_object('updated_by', coalesce(p_actor, 'unknown')));
  update public.viral_params set
    like_weight = v_new.like_weight, recast_weight = v_new.recast_weight, reply_weight = v_new.reply_weight,
    view_weight = v_new.view_weight, engager_weight = v_new.engager_weight, half_life_hours = v_new.half_life_hours,
    threshold = v_new.threshold, min_unique_engagers = v_new.min_unique_engagers,
    min_age_seconds = v_new.min_age_seconds, full_quality_score = v_new.full_quality_score,
    unknown_quality_weight = v_new.unknown_quality_weight, updated_by = v_new.updated_by
  where (to_jsonb(viral_params.*) - 'updated_at' - 'updated_by') is distinct from
    (to_jsonb(v_new) - 'updated_at' - 'updated_by');
  if found and v_new.half_life_hours <> v_old.half_life_hours then
    perform public.rebuild_viral_aggregates();
  end if;
  return (select to_jsonb(x) - 'id' from public.viral_params x);
end;
$$;
comment on function public.set_viral_params(jsonb, text) is
  'Change viral parameters (recorded by trigger only when something differs); a new half-life rebuilds the sums.';

-- Apply configuration overrides at start (VIRAL_SCORE_THRESHOLD); records a change only when the value differs.
create function public.apply_viral_config(p_threshold double precision) returns jsonb
language sql
as $$
  select case when p_threshold is null then (select to_jsonb(x) - 'id' from public.viral_params x)
    else public.set_viral_params(jsonb_build_object('threshold', p_threshold), 'config:VIRAL_SCORE_THRESHOLD') end
$$;
comment on function public.apply_viral_config(double precision) is
  'Start-up config override of the viral threshold; a no-op (and no audit row) when it already matches.';

-- Claim up to p_limit due jobs for p_worker for p_lease_seconds: pending jobs, and submitting/submitted jobs whose
-- lease expired (recovery: the worker must look on chain for the intent's transaction before sending again).
create function public.claim_viral_jobs(p_worker text, p_limit integer default 1, p_lease_seconds integer default 120)
returns jsonb
language sql
as $$
  with due as (
    select q.id from public.viral_queue q
    where q.status in ('pending', 'submitting', 'submitted')
      and q.next_attempt_at <= now()
      and (q.lease_until is null or q.lease_until <= now())
    order by q.next_attempt_at, q.id
    limit greatest(1, least(p_limit, 100))
    for update skip locked
  ), claimed as (
    update public.viral_queue q set
      claimed_by = p_worker, lease_until = now() + make_interval(secs => greatest(1, p_lease_seconds))
    from due where q.id = due.id
    returning q.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', c.id, 'status', c.status, 'recovery', c.status <> 'pending',
    'performanceId', c.performance_id, 'castHash', pf.cast_hash, 'title', pf.title,
    'artistFid', pf.artist_fid, 'artistWalletAddress', u.wallet_address,
    'performanceDeleted', pf.deleted_at is not null,
    'attempts', c.attempts, 'leaseUntil', c.lease_until, 'lastError', c.last_error,
    'senderAddress', c.sender_address, 'nonce', c.nonce, 'expectedCoinAddress', c.expected_coin_address,
    'chainId', c.chain_id, 'txHash', c.tx_hash) order by c.next_attempt_at, c.id), '[]'::jsonb)
  from claimed c
  join public.performances pf on pf.id = c.performance_id
  join public.users u on u.farcaster_fid = pf.artist_fid
$$;
comment on function public.claim_viral_jobs(text, integer, integer) is
  'Lease due coin-creation jobs (FOR UPDATE SKIP LOCKED, so any number of workers is safe); recovery = true for '
  'jobs that may already have sent a transaction.';

-- Lock a job held by p_worker (when given) with an unexpired lease; null when the lease is lost.
create function public.lock_viral_job(p_job bigint, p_worker text) returns public.viral_queue
language sql
as $$
  select q.* from public.viral_queue q
  where q.id = p_job and (p_worker is null or (q.claimed_by = p_worker and q.lease_until > now()))
  for update
$$;
comment on function public.lock_viral_job(bigint, text) is 'Row-lock a job if p_worker still holds its lease.';

-- Record the coin-creation intent before sending: pending/submitting/submitted -> submitting.
create function public.record_coin_intent(
  p_job bigint, p_worker text, p_sender text, p_nonce bigint, p_expected_coin_address text, p_chain_id integer
) returns jsonb
language plpgsql
as $$
declare
  q public.viral_queue;
begin
  q := public.lock_viral_job(p_job, p_worker);
  if q.id is null then
    return jsonb_build_object('ok', false, 'reason', 'lease_lost');
  end if;
  if q.status not in ('pending', 'submitting', 'submitted') then
    return jsonb_build_object('ok', false, 'reason', 'status_' || q.status);
  end if;
  update public.viral_queue set
    status = 'submitting', sender_address = lower(p_sender), nonce = p_nonce,
    expected_coin_address = lower(p_expected_coin_address), chain_id = p_chain_id, tx_hash = null,
    submitted_at = null, intent_at = now(), wait_reason = null
  where id = p_job;
  return jsonb_build_object('ok', true);
end;
$$;
comment on function public.record_coin_intent(bigint, text, text, bigint, text, integer) is
  'Crash safety: sender, nonce / predicted coin address and chain id are committed before the transaction is sent.';

-- The transaction was sent: submitting -> submitted with its hash (idempotent for the same hash).
create function public.mark_coin_submitted(p_job bigint, p_tx_hash text, p_worker text default null) returns jsonb
language plpgsql
as $$
declare
  q public.viral_queue;
begin
  q := public.lock_viral_job(p_job, p_worker);
  if q.id is null then
    return jsonb_build_object('ok', false, 'reason', 'lease_lost');
  end if;
  if q.status = 'submitted' and q.tx_hash = lower(p_tx_hash) then
    return jsonb_build_object('ok', true);
  end if;
  if q.status <> 'submitting' then
    return jsonb_build_object('ok', false, 'reason', 'status_' || q.status);
  end if;
  update public.viral_queue set status = 'submitted', tx_hash = lower(p_tx_hash), submitted_at = now()
  where id = p_job;
  return jsonb_build_object('ok', true);
end;
$$;
comment on function public.mark_coin_submitted(bigint, text, text) is 'Record the sent transaction''s hash.';

-- The coin exists on chain: write performance_coins, the job, an analytics event and the artist notification in
-- one transaction. Idempotent: confirming the same coin again is ok; a different coin for the job is an error.
create function public.confirm_coin(
  p_job bigint, p_coin_address text, p_symbol text, p_name text, p_tx_hash text, p_block bigint,
  p_pool_key jsonb, p_pool_id text, p_created_at timestamptz, p_worker text default null
) returns jsonb
language plpgsql
as $$
declare
  q public.viral_queue;
  v_artist bigint;
  v_hash text;
  v_coin text := lower(p_coin_address);
  v_existing text;
begin
  q := public.lock_viral_job(p_job, null);
  if q.id is null then
    raise exception 'viral job % does not exist', p_job using errcode = 'P0002';
  end if;
  if q.status = 'confirmed' then
    if q.coin_address = v_coin then
      return jsonb_build_object('ok', true, 'alreadyConfirmed', true);
    end if;
    raise exception 'viral job % is already confirmed with coin %', p_job, q.coin_address using errcode = '23505';
  end if;
  if p_worker is not null and (q.claimed_by is distinct from p_worker or q.lease_until <= now()) then
    return jsonb_build_object('ok', false, 'reason', 'lease_lost');
  end if;
  if q.status not in ('submitting', 'submitted') then
    return jsonb_build_object('ok', false, 'reason', 'status_' || q.status);
  end if;
  select pf.artist_fid, pf.cast_hash into v_artist, v_hash from public.performances pf where pf.id = q.performance_id;
  insert into public.performance_coins (
    performance_id, coin_address, chain_id, symbol, name, tx_hash, block_number, pool_id, pool_key, created_at
  ) values (
    q.performance_id, v_coin, q.chain_id, p_symbol, p_name, lower(p_tx_hash), p_block, p_pool_id, p_pool_key,
    coalesce(p_created_at, now())
  )
  on conflict (performance_id) do nothing;
  select coin_address into v_existing from public.performance_coins where performance_id = q.performance_id;
  if v_existing <> v_coin then
    raise exception 'performance % already has coin %', q.performance_id, v_existing using errcode = '23505';
  end if;
  update public.viral_queue set
    status = 'confirmed', coin_address = v_coin, tx_hash = lower(p_tx_hash),
    submitted_at = coalesce(submitted_at, now()), confirmed_at = now(), claimed_by = null, lease_until = null,
    last_error = null, wait_reason = null
  where id = p_job;
  insert into public.analytics_events (event_type, fid, cast_hash, data, occurred_at)
  values ('coin.created', v_artist, v_hash,
    jsonb_build_object('jobId', p_job, 'coinAddress', v_coin, 'txHash', lower(p_tx_hash), 'chainId', q.chain_id,
      'symbol', p_symbol),
    coalesce(p_created_at, now()));
  insert into public.coin_notifications (kind, performance_id, artist_fid, data)
  values ('coin_created', q.performance_id, v_artist,
    jsonb_build_object('castHash', v_hash, 'coinAddress', v_coin, 'symbol', p_symbol, 'name', p_name))
  on conflict (kind, performance_id) do nothing;
  return jsonb_build_object('ok', true, 'alreadyConfirmed', false);
end;
$$;
comment on function public.confirm_coin(bigint, text, text, text, text, bigint, jsonb, text, timestamptz, text) is
  'Atomic, idempotent confirmation: performance_coins row, confirmed job, analytics event, coin_created notification.';

-- A failed attempt: retry later with exponential backoff (15 s * 2^attempts, at most 1 h), or wait without counting
-- an attempt (p_wait_seconds: e.g. the artist has no wallet yet), or fail permanently. The job keeps its state
-- (a submitting/submitted job stays so, and is recovered on chain before anything is sent again).
create function public.retry_viral_job(
  p_job bigint, p_error text, p_permanent boolean default false, p_wait_seconds integer default null,
  p_worker text default null
) returns jsonb
language plpgsql
as $$
declare
  q public.viral_queue;
  v_next timestamptz;
begin
  q := public.lock_viral_job(p_job, p_worker);
  if q.id is null then
    return jsonb_build_object('ok', false, 'reason', 'lease_lost');
  end if;
  if q.status in ('confirmed', 'failed') then
    return jsonb_build_object('ok', false, 'reason', 'status_' || q.status);
  end if;
  if p_permanent then
    update public.viral_queue set status = 'failed', failed_at = now(), last_error = left(p_error, 1000),
      attempts = attempts + 1, claimed_by = null, lease_until = null
    where id = p_job;
    return jsonb_build_object('ok', true, 'status', 'failed');
  end if;
  if p_wait_seconds is not null then
    v_next := now() + make_interval(secs => greatest(1, p_wait_seconds));
    update public.viral_queue set wait_reason = left(p_error, 1000), next_attempt_at = v_next,
      claimed_by = null, lease_until = null
    where id = p_job;
  else
    v_next := now() + make_interval(secs => least(3600, 15 * power(2, least(q.attempts, 20))));
    update public.viral_queue set last_error = left(p_error, 1000), attempts = attempts + 1,
      next_attempt_at = v_next, wait_reason = null, claimed_by = null, lease_until = null
    where id = p_job;
  end if;
  return jsonb_build_object('ok', true, 'status', q.status, 'nextAttemptAt', v_next);
end;
$$;
comment on function public.retry_viral_job(bigint, text, boolean, integer, text) is
  'Release a job after a failure: backoff retry, a waiting reason (no attempt counted), or permanent failure.';

-- Admin listing, newest first, keyset-paginated by id. p_status null lists every state.
create function public.list_viral_queue(p_status text default null, p_limit integer default 50,
  p_cursor bigint default null)
returns jsonb
language sql stable
as $$
  with page as (
    select q.*, pf.cast_hash, pf.title
    from public.viral_queue q join public.performances pf on pf.id = q.performance_id
    where (p_status is null or q.status = p_status) and (p_cursor is null or q.id < p_cursor)
    order by q.id desc
    limit greatest(1, least(p_limit, 200)) + 1
  ), numbered as (
    select page.*, row_number() over (order by id desc) as n from page
  )
  select jsonb_build_object(
    'items', coalesce(jsonb_agg(jsonb_build_object(
      'id', id, 'castHash', cast_hash, 'title', title, 'status', status, 'detectionScore', detection_score,
      'attempts', attempts, 'nextAttemptAt', next_attempt_at, 'lastError', last_error, 'waitReason', wait_reason,
      'claimedBy', claimed_by, 'leaseUntil', lease_until, 'senderAddress', sender_address, 'nonce', nonce,
      'expectedCoinAddress', expected_coin_address, 'chainId', chain_id, 'txHash', tx_hash,
      'coinAddress', coin_address, 'createdAt', created_at, 'updatedAt', updated_at) order by n)
      filter (where n <= greatest(1, least(p_limit, 200))), '[]'::jsonb),
    'nextCursor', (select id from numbered where n = greatest(1, least(p_limit, 200))
      and exists (select 1 from numbered where n > greatest(1, least(p_limit, 200)))))
  from numbered
$$;
comment on function public.list_viral_queue(text, integer, bigint) is
  'Admin view of the coin-creation queue: every job in every state (jobs never disappear), newest first.';
