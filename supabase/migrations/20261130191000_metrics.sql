-- The database gauges of GET /metrics in one call: inbox depth and apply lag, coin jobs and trades by state.
-- Read on every scrape: the inbox parts use its partial indexes (pending, failed), coin jobs viral_queue_status_idx;
-- trades are counted by a scan (a row per reported buy, far fewer than inbox rows). The Node host stops waiting for
-- it after a bound (src/metrics/createMetrics.ts), so a slow database cannot hang a scrape.
create function public.metrics_snapshot() returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'inboxPending', (select count(*) from public.webhook_inbox where state = 'pending'),
    'inboxFailed', (select count(*) from public.webhook_inbox where state = 'failed'),
    'oldestPendingSeconds', (
      select extract(epoch from now() - received_at)::double precision
      from public.webhook_inbox where state = 'pending' order by id limit 1),
    'viralQueue', (
      select coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
      from (select status, count(*) as n from public.viral_queue group by status) s),
    'trades', (
      select coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
      from (select status, count(*) as n from public.trades group by status) s)
  )
$$;
revoke execute on function public.metrics_snapshot() from public, anon, authenticated;
grant execute on function public.metrics_snapshot() to service_role;
comment on function public.metrics_snapshot() is
  'Gauges for GET /metrics: pending and failed inbox events, age in seconds of the oldest pending one (apply lag, '
  'null when none), coin jobs by status and trades by status.';
