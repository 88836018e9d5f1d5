-- The feed of one artist: list_performances takes an optional artist fid (the mini app's artist screen, which read
-- the whole recent feed to find an artist's performances). The three-argument form is replaced, grants included.

drop function public.list_performances(text, integer, jsonb);

create function public.list_performances(
  p_sort text, p_limit integer, p_cursor jsonb default null, p_artist bigint default null
)
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
      where (p_artist is null or v.artist_fid = p_artist)
        and (p_cursor is null
          or (v.cast_created_at, v.cast_hash) < ((p_cursor ->> 't')::timestamptz, p_cursor ->> 'h'))
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
      where (p_artist is null or v.artist_fid = p_artist)
        and (p_cursor is null
          or ((v.likes + v.recasts + v.replies)::bigint, v.cast_hash)
            < ((p_cursor ->> 's')::bigint, p_cursor ->> 'h'))
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
      where (p_artist is null or v.artist_fid = p_artist)
        and (p_cursor is null or (r.points, v.cast_hash) < ((p_cursor ->> 'g')::numeric, p_cursor ->> 'h'))
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
comment on function public.list_performances(text, integer, jsonb, bigint) is
  'Feed page: recent (cast time), top (likes + recasts + replies) or trending (trending_points), optionally of one '
  'artist (p_artist), keyset-paginated; a trending listing ranks every page as of its first page''s minute.';

create index performances_artist_recent_idx on public.performances (artist_fid, cast_created_at desc, cast_hash desc)
  where deleted_at is null;

revoke execute on function public.list_performances(text, integer, jsonb, bigint) from public;
grant execute on function public.list_performances(text, integer, jsonb, bigint)
  to anon, authenticated, service_role;
