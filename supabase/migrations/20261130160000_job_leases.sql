-- Background jobs that must run on one instance at a time (a sweep or a prune whose work is not leased row by row)
-- take a lease on their name for one period. Row-leased work (coin jobs, trades, the inbox) needs none.

create table public.job_leases (
  name text primary key check (name ~ '^[a-z][a-z0-9-]{0,62}$'),
  holder text not null check (length(holder) between 1 and 200),
  expires_at timestamptz not null,
  runs bigint not null default 1 check (runs > 0)
);
comment on table public.job_leases is
  'One row per exclusive background job: who holds it until when. A lease is taken for the job''s period, so the '
  'job runs about once per period across every instance; a holder that dies simply lets it expire.';

alter table public.job_leases enable row level security;
revoke all on public.job_leases from anon, authenticated;
grant all on public.job_leases to service_role;

-- Take the named job's lease for p_seconds if it is free or expired (or already ours); true when taken.
create function public.claim_job_lease(p_name text, p_holder text, p_seconds integer) returns boolean
language sql
set search_path = public, pg_temp
as $$
  with claimed as (
    insert into public.job_leases as l (name, holder, expires_at)
    values (p_name, p_holder, now() + make_interval(secs => greatest(1, p_seconds)))
    on conflict (name) do update
      set holder = excluded.holder, expires_at = excluded.expires_at, runs = l.runs + 1
      where l.expires_at <= now() or l.holder = excluded.holder
    returning 1
  )
  select exists (select 1 from claimed)
$$;
comment on function public.claim_job_lease(text, text, integer) is
  'Lease an exclusive background job for p_seconds: true when p_holder now holds it (it was free, expired or its own).';

revoke execute on function public.claim_job_lease(text, text, integer) from public, anon, authenticated;
grant execute on function public.claim_job_lease(text, text, integer) to service_role;
