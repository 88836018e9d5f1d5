-- The mini app's server side: who added the app in which Farcaster client and where that client takes their
-- notifications (from the signed mini app webhook events), and what GET /api/me answers for a signed-in fid.

-- One row per (fid, app key): the app key is the Ed25519 signer the user's client signs its webhook events with, so
-- it names one (user, client) pair; removed and disabled events carry no notification URL, only that key. A client
-- enabling notifications for a (fid, notification URL) that another of its keys held takes the URL over (the old
-- token is dropped), so at most one live token exists per (fid, client notification URL).
create table public.miniapp_subscriptions (
  id bigint generated always as identity primary key,
  fid bigint not null check (fid > 0),
  app_key text not null check (app_key ~ '^0x[0-9a-f]{64}$'),
  notification_url text check (length(notification_url) between 1 and 1024),
  token text check (length(token) between 1 and 1024),
  added boolean not null,
  notifications_enabled boolean not null,
  last_event text not null check (last_event in (
    'miniapp_added', 'miniapp_removed', 'notifications_enabled', 'notifications_disabled')),
  last_event_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (fid, app_key),
  constraint miniapp_subscriptions_enabled check (
    not notifications_enabled or (token is not null and notification_url is not null and added))
);
comment on table public.miniapp_subscriptions is
  'Mini app webhook state per (fid, app key = the user''s client): added, notifications enabled, and the client''s '
  'notification URL and token. Written only by apply_miniapp_event (signed events) and the notification sender '
  '(a token the client called invalid is dropped).';
comment on column public.miniapp_subscriptions.last_event_at is
  'Time of the newest event applied (the event''s own time when it carries one, else its arrival): an older event '
  'arriving later changes nothing.';
create index miniapp_subscriptions_url_idx on public.miniapp_subscriptions (fid, notification_url)
  where notifications_enabled;

alter table public.miniapp_subscriptions enable row level security;
revoke all on public.miniapp_subscriptions from anon, authenticated;
grant all on public.miniapp_subscriptions to service_role;

-- Apply one verified webhook event (the signature and the app key were checked by the server). Idempotent: the same
-- event again leaves the same state; an event older than the row's newest is ignored (reordered redelivery).
create function public.apply_miniapp_event(
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
  insert into public.miniapp_subscriptions as s (
    fid, app_key, notification_url, token, added, notifications_enabled, last_event, last_event_at
  ) values (p_fid, v_key, v_url, v_token, v_added, v_enabled, p_event, p_event_at)
  on conflict (fid, app_key) do update set
    notification_url = excluded.notification_url, token = excluded.token, added = excluded.added,
    notifications_enabled = excluded.notifications_enabled, last_event = excluded.last_event,
    last_event_at = excluded.last_event_at, updated_at = now();
  if v_enabled then
    -- Another key of this fid at the same client URL held an older token: the client replaced it.
    update public.miniapp_subscriptions set notifications_enabled = false, token = null, updated_at = now()
    where fid = p_fid and notification_url = v_url and app_key <> v_key and notifications_enabled;
  end if;
  return jsonb_build_object('applied', true, 'added', v_added, 'notificationsEnabled', v_enabled);
end;
$$;
comment on function public.apply_miniapp_event(bigint, text, text, text, text, timestamptz) is
  'Apply one verified mini app webhook event to (fid, app key): added/removed, notifications enabled/disabled; '
  'idempotent, and an event older than the newest applied one is ignored.';

-- What GET /api/me shows a signed-in fid: the profile the identity bridge holds (null if none), the fid's verified
-- Ethereum addresses (primary first) and its notification state per client (never the tokens).
create function public.get_miniapp_me(p_fid bigint) returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'fid', p_fid,
    'user', (
      select jsonb_build_object('username', u.username, 'displayName', u.display_name, 'pfpUrl', u.pfp_url)
      from public.users u where u.farcaster_fid = p_fid),
    'addresses', coalesce((
      select jsonb_agg(a.address order by a.is_primary desc, a.address)
      from (
        select distinct x.address, x.address = u.primary_eth_address as is_primary
        from public.users u,
          lateral unnest(u.verified_eth_addresses || array_remove(array[u.primary_eth_address], null)) as x(address)
        where u.farcaster_fid = p_fid
      ) a), '[]'::jsonb),
    'notifications', jsonb_build_object(
      'enabled', exists (
        select 1 from public.miniapp_subscriptions s where s.fid = p_fid and s.notifications_enabled),
      'clients', coalesce((
        select jsonb_agg(jsonb_build_object(
            'notificationUrl', s.notification_url, 'added', s.added, 'notificationsEnabled', s.notifications_enabled,
            'updatedAt', s.last_event_at)
          order by s.last_event_at desc)
        from public.miniapp_subscriptions s where s.fid = p_fid), '[]'::jsonb))
  )
$$;
comment on function public.get_miniapp_me(bigint) is
  'GET /api/me for a verified fid: profile, verified addresses (primary first), notification state per client.';

revoke execute on function public.apply_miniapp_event(bigint, text, text, text, text, timestamptz),
  public.get_miniapp_me(bigint) from public, anon, authenticated;
grant execute on function public.apply_miniapp_event(bigint, text, text, text, text, timestamptz),
  public.get_miniapp_me(bigint) to service_role;
