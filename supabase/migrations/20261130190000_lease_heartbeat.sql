-- Leases that recover in seconds: a worker takes a short lease on a coin job or a batch of trades and renews it
-- while it works (a heartbeat), so a worker that dies lets its work go within one short lease instead of a lease
-- long enough for the slowest run. A renewal only extends a lease the worker still holds: once it has expired (and
-- may have been taken over), the answer is false and the worker stops before its next side effect.

-- Extend p_worker's unexpired lease on coin job p_job to now() + p_seconds; false when the lease is lost.
create function public.renew_viral_job_lease(p_job bigint, p_worker text, p_seconds integer) returns boolean
language sql
set search_path = public, pg_temp
as $$
  with renewed as (
    update public.viral_queue q
    set lease_until = now() + make_interval(secs => greatest(1, p_seconds))
    where q.id = p_job and q.claimed_by = p_worker and q.lease_until > now()
      and q.status in ('pending', 'submitting', 'submitted')
    returning 1
  )
  select exists (select 1 from renewed)
$$;
comment on function public.renew_viral_job_lease(bigint, text, integer) is
  'Heartbeat of a coin job: extend p_worker''s unexpired lease to now() + p_seconds; false when the lease is lost '
  '(expired, taken over or released), and the worker must stop.';

revoke execute on function public.renew_viral_job_lease(bigint, text, integer) from public, anon, authenticated;
grant execute on function public.renew_viral_job_lease(bigint, text, integer) to service_role;

-- Extend p_worker's unexpired leases on the trades p_ids (a jsonb array of ids) to now() + p_seconds; false when one
-- of them is still pending but no longer held by p_worker. A trade settled meanwhile (by this worker, or by one that
-- took it over) needs no lease: settling is final and settle_trade answers its status.
create function public.renew_trade_lease(p_worker text, p_ids jsonb, p_seconds integer) returns boolean
language sql
set search_path = public, pg_temp
as $$
  with wanted as (
    select distinct (value #>> '{}')::bigint as id from jsonb_array_elements(coalesce(p_ids, '[]'::jsonb))
  ), renewed as (
    update public.trades t
    set lease_until = now() + make_interval(secs => greatest(1, p_seconds))
    from wanted w
    where t.id = w.id and t.status = 'pending' and t.claimed_by = p_worker and t.lease_until > now()
    returning t.id
  )
  select not exists (
    select 1 from public.trades t join wanted w on w.id = t.id
    where t.status = 'pending' and t.id not in (select id from renewed)
  )
$$;
comment on function public.renew_trade_lease(text, jsonb, integer) is
  'Heartbeat of a trade confirmer''s claimed batch: extend p_worker''s unexpired leases on the trades p_ids to '
  'now() + p_seconds; false when one of them is pending but lost (expired or taken over), and the worker must stop.';

revoke execute on function public.renew_trade_lease(text, jsonb, integer) from public, anon, authenticated;
grant execute on function public.renew_trade_lease(text, jsonb, integer) to service_role;
