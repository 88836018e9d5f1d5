-- Exact ingest: every operation that must be atomic or idempotent. The app reaches these through one narrow
-- interface (src/db/store.ts), by SQL on PGlite / PostgreSQL and by PostgREST RPC on Supabase.
--
-- Events arrive already parsed and normalised by the app (src/webhooks/parseNeynarEvent.ts) as jsonb:
--   reaction      {kind, castHash, reactorFid, reactionType: like|recast, active, at, users[]}
--   cast          {kind, hash, authorFid, parentHash, at, performance: null | {...}, users[]}
--   cast_deleted  {kind, hash, parentHash, at, users[]}
--   user          {kind, at, users[]}
--   ignored       {kind, type}
-- users[] are {fid, username, displayName, pfpUrl, custodyAddress, verifiedEthAddresses, primaryEthAddress, score, at}.

-- Upsert one Farcaster user from a webhook user object. Newer data wins field by field; older data only fills
-- fields that are still empty; an unchanged row is not rewritten.
create function public.upsert_farcaster_user(p_user jsonb) returns void
language plpgsql
as $$
declare
  v_fid bigint := (p_user ->> 'fid')::bigint;
  v_at timestamptz := (p_user ->> 'at')::timestamptz;
  v_username text := p_user ->> 'username';
  v_display text := p_user ->> 'displayName';
  v_pfp text := p_user ->> 'pfpUrl';
  v_custody text := p_user ->> 'custodyAddress';
  v_primary text := p_user ->> 'primaryEthAddress';
  v_score real := (p_user ->> 'score')::real;
  v_verified text[] := case
    when jsonb_typeof(p_user -> 'verifiedEthAddresses') = 'array'
    then array(select jsonb_array_elements_text(p_user -> 'verifiedEthAddresses'))
  end;
begin
  insert into public.users (
    farcaster_fid, username, display_name, pfp_url, custody_address, verified_eth_addresses,
    primary_eth_address, neynar_score, profile_at
  ) values (
    v_fid, v_username, v_display, v_pfp, v_custody, coalesce(v_verified, '{}'), v_primary, v_score, v_at
  )
  on conflict (farcaster_fid) do nothing;
  if found then
    return;
  end if;

  -- One statement: the row is locked (and rewritten) only when the incoming data changes something.
  update public.users as t set
    username = case when v_at >= t.profile_at then coalesce(v_username, t.username)
      else coalesce(t.username, v_username) end,
    display_name = case when v_at >= t.profile_at then coalesce(v_display, t.display_name)
      else coalesce(t.display_name, v_display) end,
    pfp_url = case when v_at >= t.profile_at then coalesce(v_pfp, t.pfp_url)
      else coalesce(t.pfp_url, v_pfp) end,
    custody_address = case when v_at >= t.profile_at then coalesce(v_custody, t.custody_address)
      else coalesce(t.custody_address, v_custody) end,
    verified_eth_addresses = case when v_at >= t.profile_at and v_verified is not null then v_verified
      else t.verified_eth_addresses end,
    primary_eth_address = case
      when v_at >= t.profile_at and v_verified is not null then v_primary
      when v_at >= t.profile_at then coalesce(v_primary, t.primary_eth_address)
      else coalesce(t.primary_eth_address, v_primary) end,
    neynar_score = case when v_at >= t.profile_at then coalesce(v_score, t.neynar_score)
      else coalesce(t.neynar_score, v_score) end,
    profile_at = greatest(t.profile_at, v_at),
    updated_at = now()
  where t.farcaster_fid = v_fid
    and (
      (v_at > t.profile_at and (
        t.username is distinct from coalesce(v_username, t.username)
        or t.display_name is distinct from coalesce(v_display, t.display_name)
        or t.pfp_url is distinct from coalesce(v_pfp, t.pfp_url)
        or t.custody_address is distinct from coalesce(v_custody, t.custody_address)
        or (v_verified is not null and t.verified_eth_addresses is distinct from v_verified)
        or (v_verified is not null and t.primary_eth_address is distinct from v_primary)
        or (v_verified is null and t.primary_eth_address is distinct from coalesce(v_primary, t.primary_eth_address))
        or t.neynar_score is distinct from coalesce(v_score, t.neynar_score)
      ))
      or (v_at = t.profile_at and (
        t.username is distinct from coalesce(v_username, t.username)
        or t.display_name is distinct from coalesce(v_display, t.display_name)
        or t.pfp_url is distinct from coalesce(v_pfp, t.pfp_url)
        or t.custody_address is distinct from coalesce(v_custody, t.custody_address)
        or (v_verified is not null and t.verified_eth_addresses is distinct from v_verified)
        or t.neynar_score is distinct from coalesce(v_score, t.neynar_score)
      ))
      or (v_at < t.profile_at and (
        (t.username is null and v_username is not null)
        or (t.display_name is null and v_display is not null)
        or (t.pfp_url is null and v_pfp is not null)
        or (t.custody_address is null and v_custody is not null)
        or (t.primary_eth_address is null and v_primary is not null)
        or (t.neynar_score is null and v_score is not null)
      ))
    );
end;
$$;
comment on function public.upsert_farcaster_user(jsonb) is
  'Identity bridge upsert from a normalised webhook user object (newest data wins, older data fills gaps).';

-- Add delta to one counter of a cast, creating the counter row if needed.
create function public.bump_metric(p_cast_hash text, p_metric text, p_delta integer) returns void
language plpgsql
as $$
begin
  if p_delta = 0 then
    return;
  end if;
  insert into public.performance_metrics as m (cast_hash, likes_count, recasts_count, replies_count)
  values (
    p_cast_hash,
    case when p_metric = 'likes' then greatest(p_delta, 0) else 0 end,
    case when p_metric = 'recasts' then greatest(p_delta, 0) else 0 end,
    case when p_metric = 'replies' then greatest(p_delta, 0) else 0 end
  )
  on conflict (cast_hash) do update set
    likes_count = m.likes_count + case when p_metric = 'likes' then p_delta else 0 end,
    recasts_count = m.recasts_count + case when p_metric = 'recasts' then p_delta else 0 end,
    replies_count = m.replies_count + case when p_metric = 'replies' then p_delta else 0 end,
    updated_at = now();
end;
$$;
comment on function public.bump_metric(text, text, integer) is
  'Apply a counter change caused by a real state transition of a reaction or reply (never a blind increment).';

-- Apply a like/recast event under the reaction CRDT rule; returns the effect.
create function public.apply_reaction_event(p_event jsonb) returns text
language plpgsql
as $$
declare
  v_hash text := p_event ->> 'castHash';
  v_type text := p_event ->> 'reactionType';
  v_fid bigint := (p_event ->> 'reactorFid')::bigint;
  v_at timestamptz := (p_event ->> 'at')::timestamptz;
  v_active boolean;
  v_prev boolean;
  v_delta integer;
begin
  insert into public.cast_reactions as r (cast_hash, reaction_type, reactor_fid, active, event_at)
  values (v_hash, v_type, v_fid, (p_event ->> 'active')::boolean, v_at)
  on conflict (cast_hash, reaction_type, reactor_fid) do update
    set prev_active = r.active, active = excluded.active, event_at = excluded.event_at, updated_at = now()
    where excluded.event_at > r.event_at or (excluded.event_at = r.event_at and r.active and not excluded.active)
  returning r.active, r.prev_active into v_active, v_prev;
  if not found then
    return 'stale';
  end if;
  v_delta := v_active::integer - coalesce(v_prev, false)::integer;
  perform public.bump_metric(v_hash, v_type || 's', v_delta);
  perform public.apply_viral_transition(v_hash, v_fid, v_type, v_delta, v_at);
  return case when v_delta > 0 then 'added' when v_delta < 0 then 'removed' else 'unchanged' end;
end;
$$;
comment on function public.apply_reaction_event(jsonb) is
  'Reaction CRDT: the latest event time wins for (cast, type, reactor); on a tie the removal wins.';

-- Apply a cast.created event: record the cast, count it as a reply, create the performance if it is one.
create function public.apply_cast_created_event(p_event jsonb) returns text
language plpgsql
as $$
declare
  v_hash text := p_event ->> 'hash';
  v_author bigint := (p_event ->> 'authorFid')::bigint;
  v_parent text := p_event ->> 'parentHash';
  v_at timestamptz := (p_event ->> 'at')::timestamptz;
  v_perf jsonb := p_event -> 'performance';
  c public.casts_seen%rowtype;
  v_counted boolean;
begin
  insert into public.casts_seen (cast_hash) values (v_hash) on conflict do nothing;
  select * into c from public.casts_seen where cast_hash = v_hash for update;
  if c.created_seen then
    return 'duplicate';
  end if;
  v_counted := v_parent is not null and c.deleted_at is null;
  update public.casts_seen set
    created_seen = true, author_fid = v_author, parent_hash = coalesce(v_parent, c.parent_hash),
    cast_at = v_at, counted_reply = v_counted, updated_at = now()
  where cast_hash = v_hash;
  if v_counted then
    perform public.bump_metric(v_parent, 'replies', 1);
    perform public.apply_viral_transition(v_parent, v_author, 'reply', 1, v_at);
  end if;
  if v_perf is not null and jsonb_typeof(v_perf) = 'object' then
    insert into public.users (farcaster_fid, profile_at) values (v_author, v_at) on conflict do nothing;
    insert into public.performances (
      cast_hash, artist_fid, title, body, audio_url, audio_mime_type, channel_url, embeds, cast_created_at, deleted_at
    ) values (
      v_hash, v_author, v_perf ->> 'title', coalesce(v_perf ->> 'body', ''), v_perf ->> 'audioUrl',
      v_perf ->> 'audioMimeType', v_perf ->> 'channelUrl', coalesce(v_perf -> 'embeds', '[]'::jsonb), v_at,
      c.deleted_at
    )
    on conflict (cast_hash) do nothing;
    insert into public.performance_metrics (cast_hash) values (v_hash) on conflict do nothing;
    if not exists (select 1 from public.viral_aggregates where cast_hash = v_hash) then
      -- Lock the counter row first: engagement transitions on this cast either committed before (and the rebuild,
      -- a later statement, sees them) or wait and then see the new aggregates row.
      perform 1 from public.performance_metrics where cast_hash = v_hash for update;
      if exists (select 1 from public.cast_reactions where cast_hash = v_hash)
        or exists (select 1 from public.casts_seen where parent_hash = v_hash and counted_reply) then
        perform public.rebuild_viral_aggregates(v_hash);
      else
        insert into public.viral_aggregates (cast_hash, performance_id, artist_fid, cast_created_at, deleted_at, ref_at)
        select pf.cast_hash, pf.id, pf.artist_fid, pf.cast_created_at, pf.deleted_at, least(pf.cast_created_at, now())
        from public.performances pf where pf.cast_hash = v_hash
        on conflict (cast_hash) do nothing;
      end if;
    end if;
    return case when c.deleted_at is null then 'performance' else 'performance_deleted' end;
  end if;
  return case when v_counted then 'reply' else 'cast' end;
end;
$$;
comment on function public.apply_cast_created_event(jsonb) is
  'cast.created: performances are created once; replies count toward their parent unless already deleted.';

-- Apply a cast.deleted event: a permanent tombstone; hides a performance and uncounts a reply.
create function public.apply_cast_deleted_event(p_event jsonb) returns text
language plpgsql
as $$
declare
  v_hash text := p_event ->> 'hash';
  v_parent text := p_event ->> 'parentHash';
  v_at timestamptz := (p_event ->> 'at')::timestamptz;
  c public.casts_seen%rowtype;
begin
  insert into public.casts_seen (cast_hash, parent_hash) values (v_hash, v_parent) on conflict do nothing;
  select * into c from public.casts_seen where cast_hash = v_hash for update;
  if c.deleted_at is not null and c.deleted_at <= v_at then
    return 'duplicate';
  end if;
  update public.casts_seen set
    deleted_at = least(coalesce(c.deleted_at, v_at), v_at), counted_reply = false,
    parent_hash = coalesce(c.parent_hash, v_parent), updated_at = now()
  where cast_hash = v_hash;
  if c.counted_reply then
    perform public.bump_metric(c.parent_hash, 'replies', -1);
    perform public.apply_viral_transition(c.parent_hash, c.author_fid, 'reply', -1, c.cast_at);
  end if;
  update public.performances set deleted_at = v_at
  where cast_hash = v_hash and (deleted_at is null or deleted_at > v_at);
  update public.viral_aggregates set deleted_at = v_at, updated_at = now()
  where cast_hash = v_hash and (deleted_at is null or deleted_at > v_at);
  return case when c.counted_reply then 'reply_removed' else 'deleted' end;
end;
$$;
comment on function public.apply_cast_deleted_event(jsonb) is
  'cast.deleted: removal is permanent (a later or earlier cast.created cannot revive the cast).';

-- Lock-order key of an event: events are applied sorted by the counter row they touch, so that concurrent
-- batches take row locks in the same order.
create function public.webhook_event_lock_key(p_event jsonb) returns text
language sql immutable
as $$
  select case p_event ->> 'kind'
    when 'reaction' then p_event ->> 'castHash'
    when 'cast' then coalesce(p_event ->> 'parentHash', p_event ->> 'hash')
    when 'cast_deleted' then coalesce(p_event ->> 'parentHash', p_event ->> 'hash')
    else ''
  end
$$;

-- Apply one normalised event (users first, then the event itself) and record its analytics row.
create function public.apply_webhook_event(p_inbox_id bigint, p_event_type text, p_event jsonb)
returns text
language plpgsql
as $$
declare
  v_effect text;
  v_kind text := p_event ->> 'kind';
begin
  v_effect := case v_kind
    when 'reaction' then public.apply_reaction_event(p_event)
    when 'cast' then public.apply_cast_created_event(p_event)
    when 'cast_deleted' then public.apply_cast_deleted_event(p_event)
    when 'user' then 'profile'
    else 'ignored'
  end;
  insert into public.analytics_events (event_type, fid, cast_hash, data, inbox_id, occurred_at)
  values (
    'webhook.' || p_event_type,
    coalesce((p_event ->> 'reactorFid')::bigint, (p_event ->> 'authorFid')::bigint,
      (p_event -> 'users' -> 0 ->> 'fid')::bigint),
    coalesce(p_event ->> 'castHash', p_event ->> 'hash'),
    jsonb_build_object('effect', v_effect, 'kind', v_kind)
      || case when v_kind = 'reaction' then jsonb_build_object('reactionType', p_event ->> 'reactionType')
              when v_kind = 'cast' and p_event ->> 'parentHash' is not null
                then jsonb_build_object('parentHash', p_event ->> 'parentHash')
              else '{}'::jsonb end,
    p_inbox_id,
    coalesce((p_event ->> 'at')::timestamptz, now())
  )
  on conflict (inbox_id) where inbox_id is not null do nothing;
  return v_effect;
end;
$$;

-- Commit verified deliveries to the durable inbox. Byte-identical redeliveries are recognised and not stored
-- twice. Returns {stored: [sha256...]} listing the deliveries that were new.
create function public.ingest_webhook_events(p_deliveries jsonb) returns jsonb
language sql
as $$
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
    returning body_sha256
  )
  select jsonb_build_object('stored', coalesce(jsonb_agg(body_sha256), '[]'::jsonb)) from stored
$$;
comment on function public.ingest_webhook_events(jsonb) is
  'Durable inbox write for a batch of signature-verified webhook deliveries; committed before acknowledging.';

-- Claim up to p_limit pending inbox rows (skipping rows other workers hold) and apply them in one transaction.
-- A row whose application raises a data error is marked failed with the error (never dropped); transient errors
-- (deadlock, serialization, lock timeout) propagate so the caller retries the whole batch. Then run the incremental
-- viral check (public.check_viral) once per engaged performance of the batch.
create function public.apply_webhook_inbox(p_limit integer default 500) returns jsonb
language plpgsql
as $$
declare
  v_ids bigint[];
  v_current bigint;
  v_user record;
  v_row record;
  v_applied integer := 0;
  v_hash text;
begin
  select array_agg(id order by id) into v_ids from (
    select id from public.webhook_inbox
    where state = 'pending'
    order by id
    limit greatest(1, least(p_limit, 5000))
    for update skip locked
  ) claimed;
  if v_ids is null then
    return jsonb_build_object('applied', 0, 'failed', '[]'::jsonb);
  end if;

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

    update public.webhook_inbox
    set state = 'applied', applied_at = now(), attempts = attempts + 1, error = null
    where id = any (v_ids);
  exception
    when deadlock_detected or serialization_failure or lock_not_available or query_canceled then
      raise;
    when others then
      update public.webhook_inbox
      set state = 'failed', attempts = attempts + 1, error = left(sqlstate || ': ' || sqlerrm, 500)
      where id = v_current;
      return jsonb_build_object('applied', 0, 'failed', jsonb_build_array(v_current));
  end;

  -- Viral detection, once per engaged performance of the batch. A detection error must not fail applied events:
  -- it is reported as a warning and the periodic sweep detects the performance instead.
  for v_hash in
    select distinct public.webhook_event_lock_key(i.event)
    from public.webhook_inbox i
    where i.id = any (v_ids) and i.event ->> 'kind' in ('reaction', 'cast')
      and (i.event ->> 'kind' = 'reaction' or i.event ->> 'parentHash' is not null)
    order by 1
  loop
    begin
      perform public.check_viral(v_hash);
    exception
      when deadlock_detected or serialization_failure or lock_not_available or query_canceled then
        raise;
      when others then
        raise warning 'viral check for % failed: % %', v_hash, sqlstate, sqlerrm;
    end;
  end loop;
  return jsonb_build_object('applied', v_applied, 'failed', '[]'::jsonb);
end;
$$;
comment on function public.apply_webhook_inbox(integer) is
  'Apply pending inbox rows exactly once (FOR UPDATE SKIP LOCKED, so any number of workers is safe), then run the '
  'incremental viral check once per engaged performance of the batch.';

-- Put failed inbox rows back in the queue (after a fix has been deployed).
create function public.retry_failed_webhooks() returns integer
language sql
as $$
  with retried as (
    update public.webhook_inbox set state = 'pending' where state = 'failed' returning 1
  )
  select count(*)::integer from retried
$$;

-- Readiness and inbox backlog.
create function public.db_health() returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'ok', true,
    'pendingEvents', (select count(*) from public.webhook_inbox where state = 'pending'),
    'failedEvents', (select count(*) from public.webhook_inbox where state = 'failed')
  )
$$;

-- Recent visible performances with their effective counts, for reconciliation, keyset-paged by cast hash.
create function public.reconcile_candidates(p_since timestamptz, p_after text, p_limit integer) returns jsonb
language sql stable
as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'castHash', cast_hash, 'likes', likes, 'recasts', recasts, 'replies', replies) order by cast_hash), '[]'::jsonb)
  from (
    select cast_hash, likes, recasts, replies from public.performance_view
    where cast_created_at >= p_since and cast_hash > coalesce(p_after, '')
    order by cast_hash
    limit greatest(1, least(p_limit, 1000))
  ) s
$$;

-- Record counts reported by Neynar: where our effective count differs, set the adjustment so that the effective
-- count equals the report, and log the correction. p_reports: [{castHash, likes, recasts, replies}].
create function public.record_metric_corrections(p_reports jsonb) returns jsonb
language plpgsql
as $$
declare
  r record;
  m public.performance_metrics%rowtype;
  v_metric text;
  v_counted integer;
  v_adjust integer;
  v_reported integer;
  v_corrections integer := 0;
  v_checked integer := 0;
begin
  for r in
    select x."castHash" as cast_hash, x.likes, x.recasts, x.replies
    from jsonb_to_recordset(p_reports) as x("castHash" text, likes integer, recasts integer, replies integer)
    order by x."castHash"
  loop
    insert into public.performance_metrics (cast_hash) values (r.cast_hash) on conflict do nothing;
    select * into m from public.performance_metrics where cast_hash = r.cast_hash for update;
    v_checked := v_checked + 1;
    foreach v_metric in array array['likes', 'recasts', 'replies'] loop
      v_counted := case v_metric when 'likes' then m.likes_count when 'recasts' then m.recasts_count
        else m.replies_count end;
      v_adjust := case v_metric when 'likes' then m.likes_adjust when 'recasts' then m.recasts_adjust
        else m.replies_adjust end;
      v_reported := case v_metric when 'likes' then r.likes when 'recasts' then r.recasts else r.replies end;
      if v_reported is not null and greatest(0, v_counted + v_adjust) <> v_reported then
        insert into public.metric_corrections (cast_hash, metric, counted, reported, adjust_before, adjust_after)
        values (r.cast_hash, v_metric, v_counted, v_reported, v_adjust, v_reported - v_counted);
        update public.performance_metrics set
          likes_adjust = case when v_metric = 'likes' then v_reported - v_counted else likes_adjust end,
          recasts_adjust = case when v_metric = 'recasts' then v_reported - v_counted else recasts_adjust end,
          replies_adjust = case when v_metric = 'replies' then v_reported - v_counted else replies_adjust end,
          reconciled_at = now(), updated_at = now()
        where cast_hash = r.cast_hash;
        v_corrections := v_corrections + 1;
      end if;
    end loop;
    update public.performance_metrics set reconciled_at = now() where cast_hash = r.cast_hash;
  end loop;
  return jsonb_build_object('checked', v_checked, 'corrected', v_corrections);
end;
$$;
comment on function public.record_metric_corrections(jsonb) is
  'Reconciliation against Neynar: adjust effective counts to the reported ones and log every correction.';

-- Recount from the reaction and reply rows and compare with the maintained counters (drift check for tests,
-- benchmarks and operators). Returns the casts whose counters disagree with their rows.
create function public.metric_drift() returns jsonb
language sql stable
as $$
  with truth as (
    select h as cast_hash,
      (select count(*) from public.cast_reactions r where r.cast_hash = h and r.reaction_type = 'like' and r.active)
        as likes,
      (select count(*) from public.cast_reactions r where r.cast_hash = h and r.reaction_type = 'recast' and r.active)
        as recasts,
      (select count(*) from public.casts_seen c where c.parent_hash = h and c.counted_reply) as replies
    from (
      select cast_hash as h from public.performance_metrics
      union select cast_hash from public.cast_reactions
      union select parent_hash from public.casts_seen where counted_reply
    ) hashes
  )
  select coalesce(jsonb_agg(jsonb_build_object('castHash', t.cast_hash,
    'counted', jsonb_build_array(coalesce(m.likes_count, 0), coalesce(m.recasts_count, 0), coalesce(m.replies_count, 0)),
    'rows', jsonb_build_array(t.likes, t.recasts, t.replies))), '[]'::jsonb)
  from truth t left join public.performance_metrics m using (cast_hash)
  where (coalesce(m.likes_count, 0), coalesce(m.recasts_count, 0), coalesce(m.replies_count, 0))
    is distinct from (t.likes::integer, t.recasts::integer, t.replies::integer)
$$;
