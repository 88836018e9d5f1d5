-- The inbox queue, and a time budget for one apply call.
--
-- Queue. Marking an inbox row applied used to rewrite it outside HOT (its `state` appeared in the predicates of the
-- pending, failed and retention indexes), so every applied event left a new copy of the whole row, a new entry in
-- each of the table's indexes, a full row in the WAL and a dead tuple for autovacuum to clean from all of them. The
-- pending rows are now listed in a narrow table of their own, webhook_inbox_pending (id only), written in the same
-- statement as the inbox row and deleted in the same transaction as the row is applied; no index of webhook_inbox
-- names `state` any more (failed rows are found by `error is not null`, which marking a row applied leaves null, and
-- retention finds old rows with a BRIN index on received_at), and its pages keep room for a new version of every
-- row (fillfactor 50: one apply call updates all the rows of a page before any old version can be pruned; at 70
-- about half the updates still left the page), so the update is HOT: one heap tuple on the same page, no index
-- entries, a small WAL record. npm run bench:ingest-sql: WAL per applied event 3.60 -> 2.27 KB, every inbox update
-- HOT (none before). The price is an inbox heap about twice as large (rows are kept INBOX_RETENTION_DAYS).
-- `state` keeps its meaning, so everything that reads it is unchanged.
--
-- Budget. The one-by-one part of a batch (casts, deletions, profile events, colliding reactions) costs several times
-- more per event than the set-based rounds, so a batch sized from the usual mix could hold the database, and on
-- PGlite the server's one thread, for several times its target when a burst of casts arrives. With p_budget_ms, the
-- one-by-one events are applied until the budget is spent (at least one per call) and the rest stay pending for the
-- next call; the set-based rounds run as before. Ingest does not depend on the order events are applied in (webhooks
-- arrive in any order, and the rules are those of a CRDT), so deferring some events of a batch gives the same state.
-- Without a budget (null) nothing is deferred. The answer says how many were deferred, so the drainer calls again at
-- once.

create table public.webhook_inbox_pending (
  id bigint primary key
);
comment on table public.webhook_inbox_pending is
  'The inbox rows waiting to be applied (state pending), by id: claimed with FOR UPDATE SKIP LOCKED and deleted in '
  'the transaction that applies them. Written only by the ingest functions.';
alter table public.webhook_inbox_pending enable row level security;
revoke all on public.webhook_inbox_pending from public, anon, authenticated;
grant all on public.webhook_inbox_pending to service_role;
insert into public.webhook_inbox_pending (id) select id from public.webhook_inbox where state = 'pending';

drop index public.webhook_inbox_pending_idx;
drop index public.webhook_inbox_failed_idx;
drop index public.webhook_inbox_received_idx;
create index webhook_inbox_failed_idx on public.webhook_inbox (id) where error is not null;
create index webhook_inbox_received_brin on public.webhook_inbox using brin (received_at);
alter table public.webhook_inbox set (fillfactor = 50);

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
    returning id, body_sha256, state
  ),
  queued as (
    insert into public.webhook_inbox_pending (id) select id from stored where state = 'pending'
  )
  select jsonb_build_object('stored', coalesce(jsonb_agg(body_sha256), '[]'::jsonb)) into v_stored from stored;
  return v_stored;
end;
$$;

create or replace function public.retry_failed_webhooks() returns integer
language sql
as $$
  with retried as (
    update public.webhook_inbox set state = 'pending' where error is not null and state = 'failed' returning id
  ),
  queued as (
    insert into public.webhook_inbox_pending (id) select id from retried on conflict do nothing
  )
  select count(*)::integer from retried
$$;

create or replace function public.db_health() returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'ok', true,
    'pendingEvents', (select count(*) from public.webhook_inbox_pending),
    'failedEvents', (select count(*) from public.webhook_inbox where error is not null and state = 'failed')
  )
$$;

create or replace function public.metrics_snapshot() returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'inboxPending', (select count(*) from public.webhook_inbox_pending),
    'inboxFailed', (select count(*) from public.webhook_inbox where error is not null and state = 'failed'),
    'oldestPendingSeconds', (
      select extract(epoch from now() - i.received_at)::double precision
      from public.webhook_inbox i where i.id = (select min(p.id) from public.webhook_inbox_pending p)),
    'viralQueue', (
      select coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
      from (select status, count(*) as n from public.viral_queue group by status) s),
    'trades', (
      select coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
      from (select status, count(*) as n from public.trades group by status) s)
  )
$$;

create function public.apply_webhook_events_until(p_ids bigint[], p_deadline timestamptz) returns bigint[]
language plpgsql
as $$
declare
  v_row record;
  v_done bigint[] := '{}';
begin
  for v_row in
    select i.id, i.event_type, i.event
    from public.webhook_inbox i
    where i.id = any (p_ids)
    order by public.webhook_event_lock_key(i.event), i.id
  loop
    perform public.apply_webhook_event(v_row.id, v_row.event_type, v_row.event);
    v_done := v_done || v_row.id;
    exit when p_deadline is not null and clock_timestamp() >= p_deadline;
  end loop;
  return v_done;
end;
$$;
comment on function public.apply_webhook_events_until(bigint[], timestamptz) is
  'Ingest: apply inbox events one by one in lock-key order until the deadline (null: all); answers the ids applied.';

drop function public.apply_webhook_inbox(integer);
-- Its one-by-one phase now goes through apply_webhook_events_until (the same loop, with a deadline).
drop function public.apply_webhook_events_in_order(bigint[]);

create function public.apply_webhook_inbox(p_limit integer default 500, p_budget_ms integer default null)
returns jsonb
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
  v_done bigint[];
  v_deferred bigint[] := '{}';
  v_deadline timestamptz := case when p_budget_ms is not null
    then clock_timestamp() + make_interval(secs => greatest(p_budget_ms, 0) / 1000.0) end;
begin
  select array_agg(id order by id) into v_ids from (
    select id from public.webhook_inbox_pending
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
      v_done := public.apply_webhook_events_until(v_slow, v_deadline);
      v_applied := v_applied + cardinality(v_done);
      if cardinality(v_done) < cardinality(v_slow) then
        -- Out of time: the events not reached stay pending for the next call (any order of application gives the
        -- same state; the rounds below still run).
        v_deferred := array(select x from unnest(v_slow) x where x <> all (v_done));
        v_ids := array(select x from unnest(v_ids) x where x <> all (v_deferred));
      end if;
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
        delete from public.webhook_inbox_pending where id = v_current;
        return jsonb_build_object('applied', 0, 'failed', jsonb_build_array(v_current));
    end;
  end if;

  update public.webhook_inbox
  set state = 'applied', applied_at = now(), attempts = attempts + 1, error = null
  where id = any (v_ids);
  delete from public.webhook_inbox_pending where id = any (v_ids);

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
    'setBased', case when v_sequential then 0 else v_set_based end, 'deferred', cardinality(v_deferred));
end;
$$;
comment on function public.apply_webhook_inbox(integer, integer) is
  'Apply pending inbox rows exactly once (FOR UPDATE SKIP LOCKED, so any number of workers is safe): users and '
  'non-colliding reactions set-based, the rest one by one; then the incremental viral check once per engaged '
  'performance of the batch. A data error redoes the batch one by one and marks the event it comes from failed. '
  'With p_budget_ms, one-by-one events past the budget are left pending (the answer counts them as deferred).';

revoke execute on function public.apply_webhook_events_until(bigint[], timestamptz) from public, anon, authenticated;
revoke execute on function public.apply_webhook_inbox(integer, integer) from public, anon, authenticated;
grant execute on function public.apply_webhook_events_until(bigint[], timestamptz) to service_role;
grant execute on function public.apply_webhook_inbox(integer, integer) to service_role;
