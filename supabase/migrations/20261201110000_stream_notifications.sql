-- Real time, two ways (README "Real time").
--
-- 1. Our own Server-Sent Events stream (GET /api/stream): triggers NOTIFY channel gigavibe_stream with only the
--    subject that changed: 'c:<coin address>' (a coin's row), 'p:<cast hash>' (a performance's counters or viral
--    aggregates) or 't:<tx hash>' (a reported trade's status). PostgreSQL delivers a notification once per
--    transaction for identical (channel, payload) pairs, so a batch of webhook events on one cast costs one
--    notification, and the per-row cost is one pg_notify call. Each server instance holds one LISTEN connection,
--    gathers the subjects for a few tens of milliseconds and reads their current state in one call of
--    stream_subjects, then fans it out to its clients. A notification carries no data: no row ever travels to a
--    listener that may not read it, and a payload is far below NOTIFY's 8000-byte limit.
-- 2. Supabase Realtime: performance_coins and performance_metrics are in the supabase_realtime publication, so the
--    seed's `postgres_changes` subscription on UPDATE works against a Supabase project as written. Realtime checks
--    each change against the subscriber's row-level security; anon may read both tables' rows of visible
--    performances (performance_coins_select_public, performance_metrics_select_public in *_public_access.sql).

create function public.notify_stream_coin() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('gigavibe_stream', 'c:' || new.coin_address);
  return null;
end;
$$;
comment on function public.notify_stream_coin() is
  'Trigger: NOTIFY gigavibe_stream ''c:<coin address>'' when a coin row is created or changes (market columns too).';

create function public.notify_stream_performance() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('gigavibe_stream', 'p:' || new.cast_hash);
  return null;
end;
$$;
comment on function public.notify_stream_performance() is
  'Trigger: NOTIFY gigavibe_stream ''p:<cast hash>'' when a performance''s counters or viral aggregates change.';

create function public.notify_stream_trade() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('gigavibe_stream', 't:' || new.tx_hash);
  return null;
end;
$$;
comment on function public.notify_stream_trade() is
  'Trigger: NOTIFY gigavibe_stream ''t:<tx hash>'' when a trade is reported or its status or coins received change.';

-- Whole-row comparison, so every column (the indexer's market columns, and any added later) is covered, and an
-- UPDATE that writes the same values notifies nobody.
create trigger performance_coins_stream_insert after insert on public.performance_coins
  for each row execute function public.notify_stream_coin();
create trigger performance_coins_stream_update after update on public.performance_coins
  for each row when (old.* is distinct from new.*) execute function public.notify_stream_coin();
create trigger performance_metrics_stream_insert after insert on public.performance_metrics
  for each row execute function public.notify_stream_performance();
create trigger performance_metrics_stream_update after update on public.performance_metrics
  for each row when (old.* is distinct from new.*) execute function public.notify_stream_performance();
create trigger viral_aggregates_stream_update after update on public.viral_aggregates
  for each row when (old.* is distinct from new.*) execute function public.notify_stream_performance();
create trigger trades_stream_insert after insert on public.trades
  for each row execute function public.notify_stream_trade();
create trigger trades_stream_update after update on public.trades
  for each row when (old.status is distinct from new.status or old.amount_out is distinct from new.amount_out)
  execute function public.notify_stream_trade();

-- The current state of the subjects a stream needs, in one call: each coin's public fields (the performance JSON's
-- `coin`, whatever it holds: its `market` since *_market_indexer.sql), each visible performance's counts and viral score, each trade as
-- GET /api/trades/:txHash shows it (never the reporter's fid). Unknown or hidden subjects are left out.
-- p_subjects: {"coins": [address, ...], "casts": [cast hash, ...], "trades": [tx hash, ...]}.
create function public.stream_subjects(p_chain_id integer, p_subjects jsonb)
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'coins', coalesce((
      select jsonb_agg(jsonb_build_object('coinAddress', c.coin_address, 'castHash', v.cast_hash,
        'coin', public.viral_json(v.id, v.likes, v.recasts, v.replies, v.views) -> 'coin'))
      from public.performance_coins c
      join public.performance_view v on v.id = c.performance_id
      where c.coin_address in (select jsonb_array_elements_text(p_subjects -> 'coins'))), '[]'::jsonb),
    'metrics', coalesce((
      select jsonb_agg(jsonb_build_object('castHash', v.cast_hash,
        'metrics', jsonb_build_object('likes', v.likes, 'recasts', v.recasts, 'replies', v.replies, 'views', v.views),
        'viral', public.viral_json(v.id, v.likes, v.recasts, v.replies, v.views) -> 'viral'))
      from public.performance_view v
      where v.cast_hash in (select jsonb_array_elements_text(p_subjects -> 'casts'))), '[]'::jsonb),
    'trades', coalesce((
      select jsonb_agg(t.trade - 'id' - 'fid')
      from jsonb_array_elements_text(p_subjects -> 'trades') as h(tx_hash)
      cross join lateral (select public.get_trade(p_chain_id, h.tx_hash) as trade) t
      where t.trade is not null), '[]'::jsonb)
  )
$$;
comment on function public.stream_subjects(integer, jsonb) is
  'GET /api/stream: current public state of coins (by address), performances (by cast hash) and trades (by tx hash).';
revoke execute on function public.stream_subjects(integer, jsonb) from public, anon, authenticated;
grant execute on function public.stream_subjects(integer, jsonb) to service_role;
revoke execute on function public.notify_stream_coin(), public.notify_stream_performance(),
  public.notify_stream_trade() from public, anon, authenticated;

-- Supabase Realtime. The publication exists on every Supabase project (and the local bootstrap creates it); created
-- here when absent too, so this migration stands on its own. Tables already in it are left as they are.
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  if not exists (select 1 from pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'performance_coins') then
    alter publication supabase_realtime add table public.performance_coins;
  end if;
  if not exists (select 1 from pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'performance_metrics') then
    alter publication supabase_realtime add table public.performance_metrics;
  end if;
end
$$;
-- Replica identity: the primary key (PostgreSQL's default, stated here). An UPDATE's Realtime payload carries the
-- whole new row in `new` and the key in `old`. FULL would log every old row in the WAL on each webhook event (the
-- ingest path updates performance_metrics per event), and Realtime sends only the key of `old` on tables with
-- row-level security anyway.
alter table public.performance_coins replica identity default;
alter table public.performance_metrics replica identity default;
