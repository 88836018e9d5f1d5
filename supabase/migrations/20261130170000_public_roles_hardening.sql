-- Closes what the squash review found the public roles (anon, authenticated) still held, and documents the functions
-- that had no comment. No behaviour of the server changes: it uses the service role.

-- Sequences: Supabase's (and the local bootstrap's) default privileges give the public roles usage, select and
-- update on every sequence; they need none (they insert nothing), so take them away, now and for later sequences.
revoke all on all sequences in schema public from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;

-- PostgreSQL 17 added MAINTAIN (VACUUM, ANALYZE, LOCK ...). The earlier revokes named privileges one by one, so on
-- 17+ the public roles kept it on the tables they may read. Supabase runs 15, where the privilege does not exist.
do $$
begin
  if current_setting('server_version_num')::integer >= 170000 then
    execute 'revoke maintain on all tables in schema public from anon, authenticated';
  end if;
end
$$;

comment on function public.apply_webhook_event(bigint, text, jsonb) is
  'Apply one inbox event by type (cast, reaction, delete, user); called by apply_webhook_inbox inside its batch.';
comment on function public.db_health() is
  'Reachability and inbox depth for /healthz: pending and failed webhook events.';
comment on function public.get_performance(text) is
  'One visible performance as the read API serves it (performance_json), or null; callable by the public roles.';
comment on function public.metric_drift() is
  'Casts whose counters differ from the rows they are derived from; empty when every counter is exact.';
comment on function public.reconcile_candidates(timestamptz, text, integer) is
  'Reconciliation input: visible performances cast since p_since with effective counts, keyset-paged by cast hash.';
comment on function public.retry_failed_webhooks() is
  'Put every failed inbox event back to pending (after a fix); answers how many.';
comment on function public.webhook_event_lock_key(jsonb) is
  'The advisory-lock key of an event: the cast it touches (a reply''s parent), so a batch locks casts in one order.';
