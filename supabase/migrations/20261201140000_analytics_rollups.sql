-- Analytics an artist would open, served from hourly rollups maintained as counts change (never a scan of raw
-- events), the trending feed, and retention of raw analytics rows and applied inbox rows.

create table public.performance_activity (
  cast_hash text not null check (cast_hash ~ '^0x[0-9a-f]{40}$'),
  bucket_start timestamptz not null check (date_trunc('hour', bucket_start, 'UTC') = bucket_start),
  likes integer not null default 0,
  recasts integer not null default 0,
  replies integer not null default 0,
  views integer not null default 0,
  buys integer not null default 0,
  sells integer not null default 0,
  volume_wei numeric not null default 0 check (volume_wei >= 0),
  holders_delta integer not null default 0,
  primary key (cast_hash, bucket_start)
);
comment on table public.performance_activity is
  'Hourly rollup per cast: the net change of each exact counter in the hour it was counted (likes, recasts, '
  'replies, verified views), and the indexed trades of its coin in the hour of their block (buys, sells, volume, '
  'change in holders). Maintained by triggers on the counters and the trades, so an analytics read never scans raw '
  'events; raw events can be deleted by retention without changing it.';
create index performance_activity_recent_idx on public.performance_activity (bucket_start, cast_hash);

alter table public.performance_activity enable row level security;
revoke all on public.performance_activity from public, anon, authenticated;
grant select, insert, update, delete on public.performance_activity to service_role;
-- Public like the counters it is derived from: read only, and only for visible performances.
grant select on public.performance_activity to anon, authenticated;
create policy performance_activity_select_public on public.performance_activity for select to anon, authenticated
  using (exists (
    select 1 from public.performances p
    where p.cast_hash = performance_activity.cast_hash and p.deleted_at is null
  ));

-- Add one hour's change to the rollup. Called by the counter and trade triggers.
create function public.add_performance_activity(
  p_cast_hash text, p_at timestamptz, p_likes integer, p_recasts integer, p_replies integer, p_views integer,
  p_buys integer default 0, p_sells integer default 0, p_volume_wei numeric default 0, p_holders integer default 0
) returns void
language sql
as $$
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
    holders_delta = a.holders_delta + excluded.holders_delta
$$;
comment on function public.add_performance_activity(text, timestamptz, integer, integer, integer, integer, integer,
  integer, numeric, integer) is
  'Rollups: add a change to the hour bucket of p_at (counters in the hour they changed, trades in their block hour).';

-- Counters move only on real transitions (see bump_metric and record_frame_action), so the difference between the
-- old and the new row is exactly the engagement counted now; the rollup takes it in the current hour.
create function public.roll_up_metric_change() returns trigger
language plpgsql
as $$
declare
  d_likes integer := new.likes_count - coalesce(old.likes_count, 0);
  d_recasts integer := new.recasts_count - coalesce(old.recasts_count, 0);
  d_replies integer := new.replies_count - coalesce(old.replies_count, 0);
  d_views integer := new.views_count - coalesce(old.views_count, 0);
begin
  if tg_op = 'INSERT' then
    d_likes := new.likes_count;
    d_recasts := new.recasts_count;
    d_replies := new.replies_count;
    d_views := new.views_count;
  end if;
  if d_likes <> 0 or d_recasts <> 0 or d_replies <> 0 or d_views <> 0 then
    perform public.add_performance_activity(new.cast_hash, now(), d_likes, d_recasts, d_replies, d_views);
  end if;
  return null;
end;
$$;
comment on function public.roll_up_metric_change() is
  'Trigger: put a counter change of performance_metrics into the hourly rollup (performance_activity).';

create trigger performance_metrics_roll_up
  after insert or update of likes_count, recasts_count, replies_count, views_count on public.performance_metrics
  for each row execute function public.roll_up_metric_change();

-- Counts that existed before the rollups: one opening bucket at the hour this migration ran, so sums over all
-- buckets equal the counters.
insert into public.performance_activity (cast_hash, bucket_start, likes, recasts, replies, views)
select cast_hash, date_trunc('hour', now(), 'UTC'), likes_count, recasts_count, replies_count, views_count
from public.performance_metrics
where likes_count <> 0 or recasts_count <> 0 or replies_count <> 0 or views_count <> 0;

-- Trending: the viral score points a performance earned in the last six hours. Each hour bucket's counted
-- engagement (net likes, recasts, replies, verified views) is weighted with the viral score's weights and decayed
-- with its half-life from the bucket's start to p_as_of. Engager quality is not in the rollup, so this is the
-- unweighted shape of the score's recent growth, which is what a feed needs to rank by momentum.
create function public.trending_points(p_as_of timestamptz)
returns table (cast_hash text, points numeric)
language sql stable
as $$
  select a.cast_hash,
    round(sum(
      (p.like_weight * a.likes + p.recast_weight * a.recasts + p.reply_weight * a.replies + p.view_weight * a.views)
      * power(0.5, extract(epoch from (p_as_of - a.bucket_start)) / 3600.0 / p.half_life_hours)
    )::numeric, 6) as points
  from public.performance_activity a
  cross join public.viral_params p
  where a.bucket_start > date_trunc('hour', p_as_of, 'UTC') - interval '6 hours'
    and a.bucket_start <= p_as_of
  group by a.cast_hash
$$;
comment on function public.trending_points(timestamptz) is
  'Trending score per cast as of p_as_of: viral-weighted engagement of the last 6 hourly buckets, decayed.';

create or replace function public.list_performances(p_sort text, p_limit integer, p_cursor jsonb default null)
returns jsonb
language plpgsql stable
as $$
declare
  v_items jsonb;
  v_next jsonb;
  v_limit integer := greatest(1, least(p_limit, 100));
  v_as_of timestamptz;
begin
  if p_sort = 'recent' then
    with page as (
      select v, v.cast_created_at as k_t, v.cast_hash as k_h
      from public.performance_view v
      where p_cursor is null
        or (v.cast_created_at, v.cast_hash) < ((p_cursor ->> 't')::timestamptz, p_cursor ->> 'h')
      order by v.cast_created_at desc, v.cast_hash desc
      limit v_limit + 1
    ), numbered as (
      select *, row_number() over (order by k_t desc, k_h desc) as n from page
    )
    select
      coalesce(jsonb_agg(public.performance_json(v) order by n) filter (where n <= v_limit), '[]'::jsonb),
      case when count(*) > v_limit then
        (select jsonb_build_object('t', k_t, 'h', k_h) from numbered where n = v_limit) end
    into v_items, v_next
    from numbered;
  elsif p_sort = 'top' then
    with page as (
      select v, (v.likes + v.recasts + v.replies)::bigint as k_s, v.cast_hash as k_h
      from public.performance_view v
      where p_cursor is null
        or ((v.likes + v.recasts + v.replies)::bigint, v.cast_hash)
          < ((p_cursor ->> 's')::bigint, p_cursor ->> 'h')
      order by (v.likes + v.recasts + v.replies) desc, v.cast_hash desc
      limit v_limit + 1
    ), numbered as (
      select *, row_number() over (order by k_s desc, k_h desc) as n from page
    )
    select
      coalesce(jsonb_agg(public.performance_json(v) order by n) filter (where n <= v_limit), '[]'::jsonb),
      case when count(*) > v_limit then
        (select jsonb_build_object('s', k_s, 'h', k_h) from numbered where n = v_limit) end
    into v_items, v_next
    from numbered;
  elsif p_sort = 'trending' then
    -- Every page of one listing ranks as of the first page's minute, so pages agree with each other.
    v_as_of := coalesce((p_cursor ->> 'a')::timestamptz, date_trunc('minute', now()));
    with ranked as (
      select t.cast_hash, t.points from public.trending_points(v_as_of) t where t.points > 0
    ), page as (
      select v, r.points as k_g, v.cast_hash as k_h
      from ranked r
      join public.performance_view v on v.cast_hash = r.cast_hash
      where p_cursor is null
        or (r.points, v.cast_hash) < ((p_cursor ->> 'g')::numeric, p_cursor ->> 'h')
      order by r.points desc, v.cast_hash desc
      limit v_limit + 1
    ), numbered as (
      select *, row_number() over (order by k_g desc, k_h desc) as n from page
    )
    select
      coalesce(
        jsonb_agg(public.performance_json(v) || jsonb_build_object('trending', jsonb_build_object('points', k_g))
          order by n) filter (where n <= v_limit),
        '[]'::jsonb),
      case when count(*) > v_limit then
        (select jsonb_build_object('g', k_g::text, 'a', v_as_of, 'h', k_h) from numbered where n = v_limit) end
    into v_items, v_next
    from numbered;
  else
    raise exception 'unknown sort %', p_sort using errcode = '22023';
  end if;
  return jsonb_build_object('items', v_items, 'nextCursor', v_next);
end;
$$;
comment on function public.list_performances(text, integer, jsonb) is
  'Feed page: recent (cast time), top (likes + recasts + replies) or trending (trending_points: recent viral-weighted '
  'engagement), keyset-paginated; a trending listing ranks every page as of its first page''s minute.';

-- Buckets of a set of casts in [p_from, p_to): per bucket (hour or day, UTC) the sums of the hourly rollups, and
-- holders as of each bucket's end (the running sum of holder changes since the coin's first transfer).
create function public.activity_buckets(p_casts text[], p_bucket text, p_from timestamptz, p_to timestamptz)
returns jsonb
language sql stable
as $$
  with series as (
    select s.b
    from generate_series(
      date_trunc(p_bucket, p_from, 'UTC'), p_to - interval '1 microsecond',
      case p_bucket when 'hour' then interval '1 hour' else interval '1 day' end
    ) as s(b)
  ), agg as (
    select date_trunc(p_bucket, a.bucket_start, 'UTC') as b, sum(a.likes) as likes, sum(a.recasts) as recasts,
      sum(a.replies) as replies, sum(a.views) as views, sum(a.buys) as buys, sum(a.sells) as sells,
      sum(a.volume_wei) as volume_wei, sum(a.holders_delta) as holders_delta
    from public.performance_activity a
    where a.cast_hash = any (p_casts)
      and a.bucket_start >= date_trunc(p_bucket, p_from, 'UTC') and a.bucket_start < p_to
    group by 1
  ), opening as (
    select coalesce(sum(a.holders_delta), 0) as holders
    from public.performance_activity a
    where a.cast_hash = any (p_casts) and a.bucket_start < date_trunc(p_bucket, p_from, 'UTC')
  ), rows as (
    select s.b, g.likes, g.recasts, g.replies, g.views, g.buys, g.sells, g.volume_wei,
      o.holders + sum(coalesce(g.holders_delta, 0)) over (order by s.b) as holders_at_end
    from series s left join agg g on g.b = s.b cross join opening o
  )
  select coalesce(jsonb_agg(jsonb_build_object(
      'start', r.b, 'likes', coalesce(r.likes, 0), 'recasts', coalesce(r.recasts, 0),
      'replies', coalesce(r.replies, 0), 'views', coalesce(r.views, 0), 'buys', coalesce(r.buys, 0),
      'sells', coalesce(r.sells, 0), 'volumeWei', coalesce(r.volume_wei, 0)::text, 'holders', r.holders_at_end)
    order by r.b), '[]'::jsonb)
  from rows r
$$;
comment on function public.activity_buckets(text[], text, timestamptz, timestamptz) is
  'Analytics: per hour or day (UTC) sums of the hourly rollups of some casts, with holders at each bucket''s end.';

-- One performance's analytics: buckets, totals and funnel. Null when the performance does not exist or is deleted.
create function public.performance_analytics(
  p_cast_hash text, p_bucket text, p_from timestamptz, p_to timestamptz
) returns jsonb
language plpgsql stable
as $$
declare
  v public.performance_view;
begin
  if p_bucket not in ('hour', 'day') then
    raise exception 'bucket must be hour or day' using errcode = '22023';
  end if;
  select * into v from public.performance_view where cast_hash = p_cast_hash;
  if not found then
    return null;
  end if;
  return jsonb_build_object(
    'castHash', v.cast_hash,
    'title', v.title,
    'bucket', p_bucket,
    'from', date_trunc(p_bucket, p_from, 'UTC'),
    'to', p_to,
    'buckets', public.activity_buckets(array[v.cast_hash], p_bucket, p_from, p_to),
    'totals', jsonb_build_object('likes', v.likes, 'recasts', v.recasts, 'replies', v.replies, 'views', v.views),
    'funnel', jsonb_build_object(
      'viewers', v.views,
      'engagers', coalesce((select g.engagers from public.viral_aggregates g where g.cast_hash = v.cast_hash), 0)
    )
  );
end;
$$;
comment on function public.performance_analytics(text, text, timestamptz, timestamptz) is
  'Analytics of one visible performance from the hourly rollups: buckets in [p_from, p_to), totals and funnel.';

-- An artist's analytics: the same over all their visible performances, and each performance's totals. Null when the
-- fid is unknown.
create function public.artist_analytics(p_fid bigint, p_bucket text, p_from timestamptz, p_to timestamptz)
returns jsonb
language plpgsql stable
as $$
declare
  v_casts text[];
  v_items jsonb;
begin
  if p_bucket not in ('hour', 'day') then
    raise exception 'bucket must be hour or day' using errcode = '22023';
  end if;
  if not exists (select 1 from public.users where farcaster_fid = p_fid) then
    return null;
  end if;
  select coalesce(array_agg(v.cast_hash), '{}'), coalesce(jsonb_agg(jsonb_build_object(
      'castHash', v.cast_hash, 'title', v.title, 'createdAt', v.cast_created_at, 'likes', v.likes,
      'recasts', v.recasts, 'replies', v.replies, 'views', v.views,
      'engagers', coalesce(g.engagers, 0)) order by v.cast_created_at desc, v.cast_hash desc), '[]'::jsonb)
  into v_casts, v_items
  from public.performance_view v
  left join public.viral_aggregates g on g.cast_hash = v.cast_hash
  where v.artist_fid = p_fid;
  return jsonb_build_object(
    'fid', p_fid,
    'bucket', p_bucket,
    'from', date_trunc(p_bucket, p_from, 'UTC'),
    'to', p_to,
    'buckets', public.activity_buckets(v_casts, p_bucket, p_from, p_to),
    'totals', (select jsonb_build_object('performances', count(*), 'likes', coalesce(sum((i ->> 'likes')::bigint), 0),
      'recasts', coalesce(sum((i ->> 'recasts')::bigint), 0), 'replies', coalesce(sum((i ->> 'replies')::bigint), 0),
      'views', coalesce(sum((i ->> 'views')::bigint), 0)) from jsonb_array_elements(v_items) i),
    'funnel', (select jsonb_build_object('viewers', coalesce(sum((i ->> 'views')::bigint), 0),
      'engagers', coalesce(sum((i ->> 'engagers')::bigint), 0)) from jsonb_array_elements(v_items) i),
    'performances', v_items
  );
end;
$$;
comment on function public.artist_analytics(bigint, text, timestamptz, timestamptz) is
  'Analytics of an artist: the rollups of all their visible performances summed, and per-performance totals.';

-- Retention: delete raw analytics rows older than p_analytics_before and applied or ignored inbox rows older than
-- p_inbox_before, at most p_batch rows of each per call (the job calls it until a call deletes less). Rollups and
-- counters are untouched. A delivery redelivered after its inbox row is gone is stored and applied again, and changes
-- nothing: reactions follow the latest-event rule, casts are recorded once (casts_seen), deletions are permanent.
create function public.prune_raw_events(
  p_analytics_before timestamptz, p_inbox_before timestamptz, p_batch integer default 5000
) returns jsonb
language plpgsql
as $$
declare
  v_analytics integer;
  v_unlinked integer;
  v_inbox integer;
  v_batch integer := greatest(1, least(p_batch, 50000));
begin
  with doomed as (
    select id from public.analytics_events where occurred_at < p_analytics_before order by id limit v_batch
  )
  delete from public.analytics_events e using doomed d where e.id = d.id;
  get diagnostics v_analytics = row_count;
  -- Analytics rows kept longer than their inbox row stop pointing at it.
  with doomed as (
    select id from public.webhook_inbox
    where state in ('applied', 'ignored') and received_at < p_inbox_before
    order by id limit v_batch
  ), unlinked as (
    update public.analytics_events e set inbox_id = null from doomed d where e.inbox_id = d.id returning e.id
  )
  select count(*) into v_unlinked from unlinked;
  with doomed as (
    select id from public.webhook_inbox
    where state in ('applied', 'ignored') and received_at < p_inbox_before
    order by id limit v_batch
  )
  delete from public.webhook_inbox w using doomed d where w.id = d.id;
  get diagnostics v_inbox = row_count;
  return jsonb_build_object('analyticsEvents', v_analytics, 'inboxRows', v_inbox, 'unlinked', v_unlinked);
end;
$$;
comment on function public.prune_raw_events(timestamptz, timestamptz, integer) is
  'Retention: batched deletes of old raw analytics rows and old applied/ignored inbox rows; rollups are kept.';

create index analytics_events_occurred_idx on public.analytics_events (occurred_at);
create index webhook_inbox_received_idx on public.webhook_inbox (received_at) where state in ('applied', 'ignored');

revoke execute on function public.add_performance_activity(text, timestamptz, integer, integer, integer, integer,
  integer, integer, numeric, integer), public.roll_up_metric_change(),
  public.activity_buckets(text[], text, timestamptz, timestamptz),
  public.performance_analytics(text, text, timestamptz, timestamptz),
  public.artist_analytics(bigint, text, timestamptz, timestamptz),
  public.prune_raw_events(timestamptz, timestamptz, integer) from public, anon, authenticated;
grant execute on function public.add_performance_activity(text, timestamptz, integer, integer, integer, integer,
  integer, integer, numeric, integer), public.activity_buckets(text[], text, timestamptz, timestamptz),
  public.performance_analytics(text, text, timestamptz, timestamptz),
  public.artist_analytics(bigint, text, timestamptz, timestamptz),
  public.prune_raw_events(timestamptz, timestamptz, integer) to service_role;
-- The feed (list_performances, callable by the public roles) ranks trending with it.
grant execute on function public.trending_points(timestamptz) to anon, authenticated, service_role;
