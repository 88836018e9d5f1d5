-- Mini app notifications, durable and exactly once from our side: an outbox of notifications (one per kind, subject
-- and fid, created by triggers in the same transaction as the state change that causes it) and one delivery per
-- (notification, client token), leased by the notification-sender job, sent in batches, and recorded.

create table public.miniapp_notifications (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('coin_live_artist', 'coin_live_supporter', 'trade_confirmed')),
  subject text not null check (subject ~ '^0x[0-9a-f]{40}([0-9a-f]{24})?$'),
  fid bigint not null check (fid > 0),
  notification_id text not null check (length(notification_id) between 1 and 128),
  title text not null check (length(title) between 1 and 32),
  body text not null check (length(body) between 1 and 128),
  target_path text not null check (target_path ~ '^/app(/[A-Za-z0-9_-]+)*$'),
  created_at timestamptz not null default now(),
  unique (kind, subject, fid)
);
comment on table public.miniapp_notifications is
  'Outbox of mini app notifications: one per (kind, subject = cast or tx hash, fid), the texts (title <= 32, body '
  '<= 128) and the path on our domain it opens.';
comment on column public.miniapp_notifications.notification_id is
  'kind:subject, stable: clients deduplicate on (fid, notificationId), so it names exactly this row at the client, '
  'and one request can carry the tokens of every fid owed the same (kind, subject).';

create table public.miniapp_notification_deliveries (
  id bigint generated always as identity primary key,
  notification_id bigint not null references public.miniapp_notifications (id),
  subscription_id bigint not null references public.miniapp_subscriptions (id),
  notification_url text not null,
  token text not null,
  status text not null default 'pending'
    check (status in ('pending', 'sent', 'invalid', 'failed', 'expired', 'cancelled')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  claimed_by text,
  lease_until timestamptz,
  first_attempt_at timestamptz,
  last_attempt_at timestamptz,
  settled_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  unique (notification_id, token),
  constraint miniapp_deliveries_lease check ((claimed_by is null) = (lease_until is null)),
  constraint miniapp_deliveries_settled check ((status = 'pending') = (settled_at is null)),
  constraint miniapp_deliveries_claim check (status = 'pending' or claimed_by is null),
  constraint miniapp_deliveries_attempted check (attempts = 0 or first_attempt_at is not null)
);
comment on table public.miniapp_notification_deliveries is
  'One delivery of a notification to one client token: pending (claimed by a sender while leased) -> sent | invalid '
  '(the client said the token is dead; the subscription is disabled) | failed (refused for good) | expired (not '
  'delivered within the client''s dedupe window of the first attempt, so never sent again) | cancelled (the token '
  'was disabled before it was sent). first_attempt_at is set before the first send and bounds every resend.';
create index miniapp_deliveries_due_idx on public.miniapp_notification_deliveries (next_attempt_at, id)
  where status = 'pending';
create index miniapp_deliveries_token_idx on public.miniapp_notification_deliveries (token) where status = 'pending';

alter table public.miniapp_notifications enable row level security;
alter table public.miniapp_notification_deliveries enable row level security;
revoke all on public.miniapp_notifications, public.miniapp_notification_deliveries from anon, authenticated;
grant all on public.miniapp_notifications, public.miniapp_notification_deliveries to service_role;

-- Queue one notification and a delivery to each client where the fid has notifications enabled now. Idempotent on
-- (kind, subject, fid): a second call changes nothing.
create function public.enqueue_miniapp_notification(
  p_kind text, p_subject text, p_fid bigint, p_title text, p_body text, p_target_path text
) returns bigint
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_id bigint;
begin
  insert into public.miniapp_notifications (kind, subject, fid, notification_id, title, body, target_path)
  values (p_kind, p_subject, p_fid, p_kind || ':' || p_subject, left(p_title, 32), left(p_body, 128),
    p_target_path)
  on conflict (kind, subject, fid) do nothing
  returning id into v_id;
  if v_id is null then
    return null;
  end if;
  insert into public.miniapp_notification_deliveries (notification_id, subscription_id, notification_url, token)
  select v_id, s.id, s.notification_url, s.token
  from public.miniapp_subscriptions s
  where s.fid = p_fid and s.notifications_enabled
  on conflict (notification_id, token) do nothing;
  return v_id;
end;
$$;
comment on function public.enqueue_miniapp_notification(text, text, bigint, text, text, text) is
  'Outbox insert: one notification per (kind, subject, fid) and a pending delivery per enabled client token.';

-- A performance's coin is live: tell its artist, and everyone who engaged before the coin existed and has
-- notifications enabled (the early supporters). Runs in the transaction that records the coin (confirm_coin).
create function public.notify_coin_live() returns trigger
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
  where e.cast_hash = v_perf.cast_hash and e.fid <> v_perf.artist_fid and e.engaged_at < new.created_at
    and exists (select 1 from public.miniapp_subscriptions s where s.fid = e.fid and s.notifications_enabled);
  return new;
end;
$$;
comment on function public.notify_coin_live() is
  'Trigger on performance_coins insert: queue the artist''s and the early supporters'' coin-live notifications.';
create trigger performance_coins_notify after insert on public.performance_coins
  for each row execute function public.notify_coin_live();

-- A reported trade confirmed: tell the fid that reported it. Runs in the confirmer's settling transaction.
create function public.notify_trade_confirmed() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_hash text;
  v_symbol text;
begin
  if new.fid is null or old.status <> 'pending' or new.status <> 'confirmed' then
    return new;
  end if;
  select p.cast_hash, c.symbol into v_hash, v_symbol
  from public.performance_coins c join public.performances p on p.id = c.performance_id
  where c.coin_address = new.coin_address;
  if v_hash is null then
    return new;
  end if;
  perform public.enqueue_miniapp_notification('trade_confirmed', new.tx_hash, new.fid, 'Your trade is confirmed',
    'Your $' || v_symbol || ' trade went through. See it in your portfolio.', '/app/p/' || v_hash);
  return new;
end;
$$;
comment on function public.notify_trade_confirmed() is
  'Trigger on trades status pending -> confirmed: queue the reporting fid''s trade-confirmed notification.';
create trigger trades_notify after update of status on public.trades
  for each row execute function public.notify_trade_confirmed();

-- Lease due deliveries to a sender. Before anything is handed out: deliveries whose token was disabled since are
-- cancelled, and deliveries first attempted longer than p_dedupe_seconds ago are expired (a resend now could be
-- shown twice: the client deduplicates (fid, notificationId) only within its window). first_attempt_at is set here,
-- before the send, so a crash after sending can only lead to resends within that window.
create function public.claim_miniapp_deliveries(
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
    order by d.next_attempt_at, d.id
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
  'Lease due notification deliveries (FOR UPDATE SKIP LOCKED), after cancelling those whose token was disabled and '
  'expiring those first attempted longer than the dedupe window ago; sets first_attempt_at before the send.';

-- The heartbeat: extend the worker's leases; false when one of them is no longer its own.
create function public.renew_miniapp_delivery_lease(p_worker text, p_ids jsonb, p_seconds integer)
returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_renewed integer;
  v_pending integer;
  v_ids bigint[] := array(select (value #>> '{}')::bigint from jsonb_array_elements(coalesce(p_ids, '[]'::jsonb)));
begin
  update public.miniapp_notification_deliveries set lease_until = now() + make_interval(secs => greatest(1, p_seconds))
  where id = any (v_ids) and status = 'pending' and claimed_by = p_worker and lease_until > now();
  get diagnostics v_renewed = row_count;
  select count(*) into v_pending from public.miniapp_notification_deliveries
  where id = any (v_ids) and status = 'pending';
  return v_renewed = v_pending;
end;
$$;
comment on function public.renew_miniapp_delivery_lease(text, jsonb, integer) is
  'Renew a sender''s leases on its deliveries; false when one still pending was lost (expired or taken over).';

-- Record what the client answered for each token of a sent batch. Only deliveries this worker still holds change.
-- sent; invalid (the subscription's token is dropped and its other pending deliveries cancelled); rate_limited
-- (retry after the client's window, at least 30 s); retry (5xx, timeout: 15 s * 2^(attempts-1), at most 1 h);
-- failed (refused for good).
create function public.record_miniapp_deliveries(p_worker text, p_results jsonb) returns integer
language plpgsql
set search_path = public, pg_temp
as $$
declare
  r jsonb;
  d public.miniapp_notification_deliveries;
  v_count integer := 0;
  v_outcome text;
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
  'still holds; an invalid token disables its subscription. Answers how many changed.';

revoke execute on function public.enqueue_miniapp_notification(text, text, bigint, text, text, text),
  public.claim_miniapp_deliveries(text, integer, integer, integer),
  public.renew_miniapp_delivery_lease(text, jsonb, integer),
  public.record_miniapp_deliveries(text, jsonb),
  public.notify_coin_live(), public.notify_trade_confirmed() from public, anon, authenticated;
grant execute on function public.enqueue_miniapp_notification(text, text, bigint, text, text, text),
  public.claim_miniapp_deliveries(text, integer, integer, integer),
  public.renew_miniapp_delivery_lease(text, jsonb, integer),
  public.record_miniapp_deliveries(text, jsonb) to service_role;
