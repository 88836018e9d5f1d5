-- Mini app webhook replay protection. The signed events carry no time and no nonce, and Ed25519 signatures are
-- deterministic, so a captured delivery cannot be told apart from the client sending the same event again by its
-- bytes. What can be told apart is the token: the spec says that after notifications_disabled or miniapp_removed every
-- token of that (fid, client) is invalid, and a client enabling notifications again hands out a new token. So a token
-- is retired for good once it stops being the live one (disabled, removed, replaced by a newer token, taken over by
-- another key of the fid at the same client URL, or called invalid by the client), and an enabling event that names a
-- retired token changes nothing: a captured notifications_enabled / miniapp_added replayed after the user turned
-- notifications off cannot turn them back on. Only a digest of the token is kept (the token is a send credential).

create table public.miniapp_retired_tokens (
  id bigint generated always as identity primary key,
  fid bigint not null check (fid > 0),
  notification_url text not null check (length(notification_url) between 1 and 1024),
  token_digest bytea not null check (length(token_digest) = 32),
  reason text not null check (reason in (
    'notifications_disabled', 'miniapp_removed', 'replaced', 'taken_over', 'invalid')),
  retired_at timestamptz not null default now(),
  unique (fid, notification_url, token_digest)
);
comment on table public.miniapp_retired_tokens is
  'Notification tokens that stopped being live for a (fid, client notification URL): SHA-256 of the token, why and '
  'when. An enabling webhook event naming one is a replay (or a client reusing a dead token) and changes nothing. '
  'At most 200 kept per fid (the oldest go first).';

alter table public.miniapp_retired_tokens enable row level security;
revoke all on public.miniapp_retired_tokens from anon, authenticated;
grant all on public.miniapp_retired_tokens to service_role;

-- Retire a token (idempotent), keeping at most 200 per fid: a fid can mint tokens only through its own client, one per
-- enable, so the bound is reached only by a fid toggling its own notifications hundreds of times.
create function public.retire_miniapp_token(p_fid bigint, p_url text, p_token text, p_reason text) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_url is null or p_token is null then
    return;
  end if;
  insert into public.miniapp_retired_tokens (fid, notification_url, token_digest, reason)
  values (p_fid, p_url, sha256(convert_to(p_token, 'UTF8')), p_reason)
  on conflict (fid, notification_url, token_digest) do nothing;
  delete from public.miniapp_retired_tokens
  where fid = p_fid and id <= (
    select id from public.miniapp_retired_tokens where fid = p_fid order by id desc offset 200 limit 1);
end;
$$;
comment on function public.retire_miniapp_token(bigint, text, text, text) is
  'Record that a notification token of (fid, URL) is dead for good (digest only); keeps the newest 200 per fid.';

-- apply_miniapp_event as before (ordering by event time, one live token per (fid, client URL)), plus: an enabling
-- event naming a retired token is refused (applied false, reason token_retired), and every token that stops being
-- live here is retired.
create or replace function public.apply_miniapp_event(
  p_fid bigint, p_app_key text, p_event text, p_url text, p_token text, p_event_at timestamptz
) returns jsonb
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_key text := lower(p_app_key);
  v_row public.miniapp_subscriptions;
  v_added boolean;
  v_enabled boolean;
  v_url text;
  v_token text;
  v_other record;
begin
  if p_event not in ('miniapp_added', 'miniapp_removed', 'notifications_enabled', 'notifications_disabled') then
    raise exception 'unknown mini app event %', p_event using errcode = '22023';
  end if;
  if p_event = 'notifications_enabled' and (p_url is null or p_token is null) then
    raise exception 'notifications_enabled needs a notification URL and token' using errcode = '22023';
  end if;
  -- Serialise every event of this (fid, key), including the first one (no row to lock yet).
  perform pg_advisory_xact_lock(hashtextextended('miniapp:' || p_fid || ':' || v_key, 0));
  select * into v_row from public.miniapp_subscriptions where fid = p_fid and app_key = v_key for update;
  if found and v_row.last_event_at > p_event_at then
    return jsonb_build_object('applied', false, 'reason', 'older_than_state');
  end if;
  if p_token is not null and p_url is not null and exists (
    select 1 from public.miniapp_retired_tokens r
    where r.fid = p_fid and r.notification_url = p_url and r.token_digest = sha256(convert_to(p_token, 'UTF8'))
  ) then
    return jsonb_build_object('applied', false, 'reason', 'token_retired');
  end if;
  v_added := coalesce(v_row.added, false);
  v_enabled := coalesce(v_row.notifications_enabled, false);
  v_url := v_row.notification_url;
  v_token := v_row.token;
  case p_event
    when 'miniapp_added' then
      v_added := true;
      if p_url is not null and p_token is not null then
        v_url := p_url; v_token := p_token; v_enabled := true;
      end if;
    when 'notifications_enabled' then
      v_added := true; v_url := p_url; v_token := p_token; v_enabled := true;
    when 'notifications_disabled' then
      v_enabled := false; v_token := null;
    when 'miniapp_removed' then
      v_added := false; v_enabled := false; v_token := null;
  end case;
  -- The token this key held stops being live (disabled, removed, or replaced by a new one): retired for good.
  if v_row.token is not null and (v_token is null or v_token <> v_row.token or v_url <> v_row.notification_url) then
    perform public.retire_miniapp_token(p_fid, v_row.notification_url, v_row.token,
      case when p_event in ('notifications_disabled', 'miniapp_removed') then p_event else 'replaced' end);
  end if;
  insert into public.miniapp_subscriptions as s (
    fid, app_key, notification_url, token, added, notifications_enabled, last_event, last_event_at
  ) values (p_fid, v_key, v_url, v_token, v_added, v_enabled, p_event, p_event_at)
  on conflict (fid, app_key) do update set
    notification_url = excluded.notification_url, token = excluded.token, added = excluded.added,
    notifications_enabled = excluded.notifications_enabled, last_event = excluded.last_event,
    last_event_at = excluded.last_event_at, updated_at = now();
  if v_enabled then
    -- Another key of this fid at the same client URL held an older token: the client replaced it.
    for v_other in
      update public.miniapp_subscriptions o set notifications_enabled = false, token = null, updated_at = now()
      from public.miniapp_subscriptions prev
      where prev.id = o.id and o.fid = p_fid and o.notification_url = v_url and o.app_key <> v_key
        and o.notifications_enabled
      returning prev.notification_url, prev.token
    loop
      perform public.retire_miniapp_token(p_fid, v_other.notification_url, v_other.token, 'taken_over');
    end loop;
  end if;
  return jsonb_build_object('applied', true, 'added', v_added, 'notificationsEnabled', v_enabled);
end;
$$;
comment on function public.apply_miniapp_event(bigint, text, text, text, text, timestamptz) is
  'Apply one verified mini app webhook event to (fid, app key): added/removed, notifications enabled/disabled; '
  'idempotent; an event older than the newest applied one, or enabling a retired token (a replay), is ignored; a '
  'token that stops being live is retired.';

-- record_miniapp_deliveries as before, plus: a token the client called invalid is retired.
create or replace function public.record_miniapp_deliveries(p_worker text, p_results jsonb) returns integer
language plpgsql
set search_path = public, pg_temp
as $$
declare
  r jsonb;
  d public.miniapp_notification_deliveries;
  v_count integer := 0;
  v_outcome text;
  v_fid bigint;
begin
  for r in select * from jsonb_array_elements(p_results) loop
    select * into d from public.miniapp_notification_deliveries
    where id = (r ->> 'id')::bigint and status = 'pending' and claimed_by = p_worker
    for update;
    if d.id is null then
      continue;
    end if;
    v_outcome := r ->> 'outcome';
    if v_outcome = 'sent' then
      update public.miniapp_notification_deliveries set status = 'sent', settled_at = now(), claimed_by = null,
        lease_until = null, last_error = null
      where id = d.id;
    elsif v_outcome = 'invalid' then
      update public.miniapp_notification_deliveries set status = 'invalid', settled_at = now(), claimed_by = null,
        lease_until = null, last_error = 'token invalid'
      where id = d.id;
      update public.miniapp_subscriptions set notifications_enabled = false, token = null, updated_at = now()
      where id = d.subscription_id and token = d.token;
      select s.fid into v_fid from public.miniapp_subscriptions s where s.id = d.subscription_id;
      perform public.retire_miniapp_token(v_fid, d.notification_url, d.token, 'invalid');
      update public.miniapp_notification_deliveries set status = 'cancelled', settled_at = now()
      where token = d.token and status = 'pending' and claimed_by is null;
    elsif v_outcome = 'rate_limited' then
      update public.miniapp_notification_deliveries set claimed_by = null, lease_until = null,
        next_attempt_at = now() + make_interval(secs => greatest(30, coalesce((r ->> 'retryAfterSeconds')::integer, 30))),
        last_error = 'rate limited'
      where id = d.id;
    elsif v_outcome = 'retry' then
      update public.miniapp_notification_deliveries set claimed_by = null, lease_until = null,
        next_attempt_at = now() + make_interval(secs => least(3600, 15 * power(2, greatest(0, d.attempts - 1)))),
        last_error = left(coalesce(r ->> 'error', 'retry'), 500)
      where id = d.id;
    elsif v_outcome = 'failed' then
      update public.miniapp_notification_deliveries set status = 'failed', settled_at = now(), claimed_by = null,
        lease_until = null, last_error = left(coalesce(r ->> 'error', 'failed'), 500)
      where id = d.id;
    else
      raise exception 'unknown delivery outcome %', v_outcome using errcode = '22023';
    end if;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function public.record_miniapp_deliveries(text, jsonb) is
  'Record per-token outcomes of a sent batch (sent, invalid, rate_limited, retry, failed) for deliveries the worker '
  'still holds; an invalid token disables its subscription and is retired. Answers how many changed.';

revoke execute on function public.retire_miniapp_token(bigint, text, text, text) from public, anon, authenticated;
grant execute on function public.retire_miniapp_token(bigint, text, text, text) to service_role;
revoke execute on function public.apply_miniapp_event(bigint, text, text, text, text, timestamptz),
  public.record_miniapp_deliveries(text, jsonb) from public, anon, authenticated;
grant execute on function public.apply_miniapp_event(bigint, text, text, text, text, timestamptz),
  public.record_miniapp_deliveries(text, jsonb) to service_role;

-- Found by the browser suite: the coin's created_at is its block's timestamp, whole seconds, so a fan who engaged in
-- the same second as the coin's block (engaged_at 12:00:49.403, block 12:00:49) was not counted as an early supporter
-- and was never told. An engagement counts as before the coin when it is before the end of the coin's block second.
create or replace function public.notify_coin_live() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_perf public.performances;
  v_title text;
  v_path text;
begin
  select * into v_perf from public.performances where id = new.performance_id;
  if v_perf.id is null or v_perf.deleted_at is not null then
    return new;
  end if;
  v_title := left(regexp_replace(v_perf.title, '\s+', ' ', 'g'), 60);
  v_path := '/app/p/' || v_perf.cast_hash;
  perform public.enqueue_miniapp_notification('coin_live_artist', v_perf.cast_hash, v_perf.artist_fid,
    'Your coin is live', '$' || new.symbol || ' for "' || v_title || '" is live. Share it with your fans.', v_path);
  perform public.enqueue_miniapp_notification('coin_live_supporter', v_perf.cast_hash, e.fid,
    'A set you backed has a coin', '"' || v_title || '" went viral: $' || new.symbol || ' is live. Be early.', v_path)
  from public.viral_engagers e
  where e.cast_hash = v_perf.cast_hash and e.fid <> v_perf.artist_fid
    and e.engaged_at < date_trunc('second', new.created_at) + interval '1 second'
    and exists (select 1 from public.miniapp_subscriptions s where s.fid = e.fid and s.notifications_enabled);
  return new;
end;
$$;
comment on function public.notify_coin_live() is
  'Trigger on performance_coins insert: queue the artist''s and the early supporters'' (engaged before the end of the '
  'coin block''s second) coin-live notifications.';
revoke execute on function public.notify_coin_live() from public, anon, authenticated;

-- Measured with npm run bench:notifications: due deliveries were leased in id order, which interleaves the client URLs
-- (tokens are queued in subscription order), so a lease of 500 over 4 clients made 8 requests of 100 + 25 tokens
-- instead of 5 of 100. Lease them grouped by client URL (due time first, so retries keep their place; the deliveries
-- of one event share their due time and their notificationId), on an index in that order.
create index miniapp_deliveries_due_batch_idx on public.miniapp_notification_deliveries
  (next_attempt_at, notification_url, id) where status = 'pending';
drop index public.miniapp_deliveries_due_idx;

create or replace function public.claim_miniapp_deliveries(
  p_worker text, p_limit integer, p_lease_seconds integer, p_dedupe_seconds integer
) returns jsonb
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_rows jsonb;
begin
  update public.miniapp_notification_deliveries d set status = 'cancelled', settled_at = now(), claimed_by = null,
    lease_until = null
  where d.status = 'pending' and d.next_attempt_at <= now() and (d.lease_until is null or d.lease_until <= now())
    and not exists (
      select 1 from public.miniapp_subscriptions s
      where s.id = d.subscription_id and s.notifications_enabled and s.token = d.token);
  update public.miniapp_notification_deliveries d set status = 'expired', settled_at = now(), claimed_by = null,
    lease_until = null, last_error = coalesce(last_error, 'not delivered within the dedupe window')
  where d.status = 'pending' and d.first_attempt_at <= now() - make_interval(secs => p_dedupe_seconds)
    and (d.lease_until is null or d.lease_until <= now());
  with due as (
    select d.id from public.miniapp_notification_deliveries d
    where d.status = 'pending' and d.next_attempt_at <= now() and (d.lease_until is null or d.lease_until <= now())
    order by d.next_attempt_at, d.notification_url, d.id
    limit greatest(0, p_limit)
    for update skip locked
  ), claimed as (
    update public.miniapp_notification_deliveries d set claimed_by = p_worker,
      lease_until = now() + make_interval(secs => greatest(1, p_lease_seconds)), attempts = d.attempts + 1,
      first_attempt_at = coalesce(d.first_attempt_at, now()), last_attempt_at = now()
    from due where d.id = due.id
    returning d.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
      'id', c.id, 'url', c.notification_url, 'token', c.token, 'attempts', c.attempts,
      'notificationId', n.notification_id, 'title', n.title, 'body', n.body, 'targetPath', n.target_path)
    order by c.notification_id, c.notification_url, c.id), '[]'::jsonb)
  into v_rows
  from claimed c join public.miniapp_notifications n on n.id = c.notification_id;
  return v_rows;
end;
$$;
comment on function public.claim_miniapp_deliveries(text, integer, integer, integer) is
  'Lease due notification deliveries (FOR UPDATE SKIP LOCKED), grouped by client URL so the batches are '
  'full, after cancelling those whose token was disabled and '
  'expiring those first attempted longer than the dedupe window ago; sets first_attempt_at before the send.';
revoke execute on function public.claim_miniapp_deliveries(text, integer, integer, integer)
  from public, anon, authenticated;
grant execute on function public.claim_miniapp_deliveries(text, integer, integer, integer) to service_role;
