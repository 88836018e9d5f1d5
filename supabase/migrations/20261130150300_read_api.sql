-- The public read API: the JSON of a performance (metadata, artist, exact metrics, viral score with its components,
-- coin) and the feed. These four functions are the only ones anon and authenticated may execute
-- (see *_public_access.sql); viral_json is security definer because it reads the private queue and aggregates.

-- The public viral state and coin of a performance (security definer: reads private queue and aggregates, exposes
-- only the score, its components and the job status).
create function public.viral_json(p_performance_id uuid, p_likes integer, p_recasts integer, p_replies integer,
  p_views integer)
returns jsonb
language sql stable security definer
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'viral', jsonb_build_object(
      'score', round(coalesce(s.score, 0)::numeric, 3),
      'threshold', p.threshold,
      'components', jsonb_build_object(
        'likes', jsonb_build_object('count', p_likes, 'contribution', round(coalesce(s.likes, 0)::numeric, 3)),
        'recasts', jsonb_build_object('count', p_recasts, 'contribution', round(coalesce(s.recasts, 0)::numeric, 3)),
        'replies', jsonb_build_object('count', p_replies, 'contribution', round(coalesce(s.replies, 0)::numeric, 3)),
        'views', jsonb_build_object('count', p_views, 'contribution', round(coalesce(s.views, 0)::numeric, 3)),
        'uniqueEngagers', jsonb_build_object('count', coalesce(a.engagers, 0),
          'contribution', round(coalesce(s.engagers, 0)::numeric, 3))),
      'minUniqueEngagers', p.min_unique_engagers,
      'halfLifeHours', p.half_life_hours,
      'status', case q.status
        when 'pending' then 'queued'
        when 'submitting' then 'creating'
        when 'submitted' then 'creating'
        when 'confirmed' then 'coined'
        when 'failed' then 'failed'
        else 'tracking' end),
    'coin', case when c.id is null then null else jsonb_build_object(
      'address', c.coin_address, 'symbol', c.symbol, 'name', c.name, 'txHash', c.tx_hash, 'poolId', c.pool_id,
      'createdAt', c.created_at) end
  )
  from public.viral_params p
  left join public.viral_aggregates a on a.performance_id = p_performance_id
  left join lateral public.viral_score(a.likes_s, a.recasts_s, a.replies_s, a.views_s, a.engagers_s, a.ref_at, now(), p)
    s on true
  left join public.viral_queue q on q.performance_id = p_performance_id
  left join public.performance_coins c on c.performance_id = p_performance_id
$$;
comment on function public.viral_json(uuid, integer, integer, integer, integer) is
  'API fields {viral: {score, threshold, components, status}, coin} of one performance.';

-- The public JSON of one row of performance_view.
create function public.performance_json(v public.performance_view) returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'castHash', v.cast_hash,
    'title', v.title,
    'text', v.body,
    'audio', case when v.audio_url is null then null
      else jsonb_build_object('url', v.audio_url, 'mimeType', v.audio_mime_type) end,
    'channelUrl', v.channel_url,
    'artist', jsonb_build_object(
      'fid', v.artist_fid, 'username', v.artist_username, 'displayName', v.artist_display_name,
      'pfpUrl', v.artist_pfp_url, 'walletAddress', v.artist_wallet_address),
    'metrics', jsonb_build_object('likes', v.likes, 'recasts', v.recasts, 'replies', v.replies, 'views', v.views),
    'createdAt', v.cast_created_at
  ) || public.viral_json(v.id, v.likes, v.recasts, v.replies, v.views)
$$;
comment on function public.performance_json(public.performance_view) is
  'The public JSON of a performance: metadata, artist, exact metrics, viral score with components, and coin.';

-- One visible performance by cast hash, or null.
create function public.get_performance(p_cast_hash text) returns jsonb
language sql stable
as $$
  select public.performance_json(v) from public.performance_view v where v.cast_hash = lower(p_cast_hash)
$$;

-- A page of the feed with keyset pagination. p_cursor is the previous page's nextCursor, or null.
create function public.list_performances(p_sort text, p_limit integer, p_cursor jsonb default null)
returns jsonb
language plpgsql stable
as $$
declare
  v_items jsonb;
  v_next jsonb;
  v_limit integer := greatest(1, least(p_limit, 100));
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
  else
    raise exception 'unknown sort %', p_sort using errcode = '22023';
  end if;
  return jsonb_build_object('items', v_items, 'nextCursor', v_next);
end;
$$;
comment on function public.list_performances(text, integer, jsonb) is
  'Feed page: recent (cast time) or top (likes + recasts + replies), keyset-paginated and stable under inserts.';
