-- Frames and trades: verified frame actions (the replay registry and their analytics), verified frame viewers (the
-- views metric), buy quotes handed to wallets, and the trades users report after signing. Every table is private
-- (see *_public_access.sql).
--
-- Abuse limits built into the functions and triggers:
-- - buy quotes are bounded: record_trade_quote reuses an identical quote of the last few minutes, and
--   prune_trade_quotes deletes quotes no trade links to (the app also rate-limits quote requests per client, buyer
--   and fid: src/http/createRateLimiter.ts);
-- - a trigger on trades enforces who a quote may be linked to (trade_quote_linkable), whichever function links it,
--   so an anonymous quote naming a victim's address never becomes the quote of the victim's report;
-- - a fid and a buyer address may each have only a few unconfirmed reports at a time, and a (chain, tx, buyer)
--   reported by one fid cannot be taken over by another (record_pending_trade; the server accepts a report's
--   address only when is_address_of_fid says it is one of the fid's);
-- - the confirmer claims never-checked reports first, newest first, so a flood of old reports cannot starve a new
--   one (claim_pending_trades).

create table public.frame_actions (
  message_hash text primary key check (message_hash ~ '^0x[0-9a-f]{40}$'),
  fid bigint not null check (fid > 0),
  cast_hash text check (cast_hash ~ '^0x[0-9a-f]{40}$'),
  action text not null check (action ~ '^[a-z_]{1,32}$'),
  button_index smallint not null check (button_index between 1 and 4),
  signed_at timestamptz not null,
  received_at timestamptz not null default now()
);
comment on table public.frame_actions is
  'Every accepted signed frame action, keyed by its Farcaster message hash: a second delivery of the same signed '
  'message is a replay and is refused. Rows older than the accepted message age can be pruned (prune_frame_actions).';
comment on column public.frame_actions.cast_hash is 'The performance the action was signed for (from the signed URL).';
create index frame_actions_received_idx on public.frame_actions (received_at);

create table public.frame_viewers (
  cast_hash text not null check (cast_hash ~ '^0x[0-9a-f]{40}$'),
  fid bigint not null check (fid > 0),
  first_seen_at timestamptz not null,
  primary key (cast_hash, fid)
);
comment on table public.frame_viewers is
  'Distinct verified viewers of a performance frame: a fid counts once as a view when its first signed action on '
  'the frame is accepted. Unsigned GETs are logged as analytics but never move the metric (anyone can repeat one).';

create table public.trade_quotes (
  id bigint generated always as identity primary key,
  source text not null check (source in ('frame', 'api')),
  fid bigint check (fid > 0),
  chain_id integer not null,
  buyer text not null check (buyer ~ '^0x[0-9a-f]{40}$'),
  coin_address text not null check (coin_address ~ '^0x[0-9a-f]{40}$'),
  router text not null check (router ~ '^0x[0-9a-f]{40}$'),
  calldata_hash text not null check (calldata_hash ~ '^0x[0-9a-f]{64}$'),
  amount_in_wei numeric(78, 0) not null check (amount_in_wei > 0),
  expected_out numeric(78, 0) not null check (expected_out >= 0),
  min_out numeric(78, 0) not null check (min_out >= 0 and min_out <= expected_out),
  created_at timestamptz not null default now()
);
comment on table public.trade_quotes is
  'Buy transactions we built and handed to a wallet to sign (frame tx button or POST /api/tx/buy): the amounts '
  'promised, and the keccak256 of the calldata so a reported transaction can be matched to its quote exactly.';
create index trade_quotes_buyer_idx on public.trade_quotes (buyer, coin_address, created_at desc);
create index trade_quotes_calldata_idx on public.trade_quotes (calldata_hash);
create index trade_quotes_created_idx on public.trade_quotes (created_at);

create table public.trades (
  id bigint generated always as identity primary key,
  source text not null check (source in ('frame', 'api')),
  chain_id integer not null,
  tx_hash text not null check (tx_hash ~ '^0x[0-9a-f]{64}$'),
  fid bigint check (fid > 0),
  buyer text not null check (buyer ~ '^0x[0-9a-f]{40}$'),
  coin_address text not null check (coin_address ~ '^0x[0-9a-f]{40}$'),
  performance_id uuid references public.performances (id),
  quote_id bigint references public.trade_quotes (id),
  amount_in_wei numeric(78, 0) check (amount_in_wei > 0),
  expected_out numeric(78, 0) check (expected_out >= 0),
  amount_out numeric(78, 0) check (amount_out >= 0),
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'failed')),
  failure_reason text,
  block_number bigint,
  attempts integer not null default 0 check (attempts >= 0),
  next_check_at timestamptz not null default now(),
  claimed_by text,
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  settled_at timestamptz,
  unique (chain_id, tx_hash, buyer),
  check ((status = 'failed') = (failure_reason is not null)),
  check ((status = 'confirmed') = (block_number is not null and amount_out is not null)),
  check ((status = 'pending') = (settled_at is null))
);
comment on table public.trades is
  'Buys reported after signing (frame post_url with the signed transaction id): pending until the confirmer reads '
  'the receipt, then confirmed (with the coins actually received) or failed (with the reason). One row per tx hash '
  'and reported buyer: a false report of someone else''s transaction gets its own row (failed: sent by another '
  'address) and cannot shadow the real buyer''s.';
create index trades_due_idx on public.trades (next_check_at) where status = 'pending';
create index trades_buyer_idx on public.trades (buyer, created_at desc);
-- Pruning asks "does any trade link this quote" per row, and the foreign key asks it again on delete.
create index trades_quote_idx on public.trades (quote_id) where quote_id is not null;
-- The pending-report limits of record_pending_trade count per fid and per buyer.
create index trades_pending_fid_idx on public.trades (fid) where status = 'pending';
create index trades_pending_buyer_idx on public.trades (buyer) where status = 'pending';

-- A settled trade never changes again; a pending one only moves forward.
create function public.guard_trade_status() returns trigger
language plpgsql
as $$
begin
  if old.status <> 'pending' and (new.status <> old.status or new.amount_out is distinct from old.amount_out) then
    raise exception 'trade % is already %', old.id, old.status using errcode = 'check_violation';
  end if;
  new.updated_at := now();
  return new;
end;
$$;
comment on function public.guard_trade_status() is 'Trigger: settled trades (confirmed/failed) are immutable.';
create trigger trades_status_guard before update on public.trades
  for each row execute function public.guard_trade_status();

-- Whether quote q may be the quote of a report by p_fid from p_source for (p_chain, p_buyer, p_coin). A fid-less
-- quote came from an anonymous request that anyone can make for any address, so it belongs to fid-less reports of
-- its own source only; a fid's quote was made by a signed action of that fid.
create function public.trade_quote_linkable(q public.trade_quotes, p_source text, p_fid bigint, p_chain integer,
  p_buyer text, p_coin text) returns boolean
language sql immutable
set search_path = public, pg_temp
as $$
  select q.chain_id = p_chain and q.buyer = p_buyer and q.coin_address = p_coin
    and case when q.fid is null then p_fid is null and q.source = p_source else p_fid is null or p_fid = q.fid end
$$;
comment on function public.trade_quote_linkable(public.trade_quotes, text, bigint, integer, text, text) is
  'Quote linking rule: same chain, buyer and coin; a fid-less quote only for a fid-less report of its source.';

-- Trigger: keep every trade's quote link within trade_quote_linkable. A new report handed an ineligible quote gets the
-- buyer's newest eligible quote of the last hour instead (with its amounts), or none; relinking an existing trade to
-- an ineligible quote is an error.
create function public.guard_trade_quote_link() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
declare
  q public.trade_quotes%rowtype;
begin
  if new.quote_id is null then
    return new;
  end if;
  if tg_op = 'UPDATE' and new.quote_id is not distinct from old.quote_id then
    return new;
  end if;
  select * into q from public.trade_quotes where id = new.quote_id;
  if found and public.trade_quote_linkable(q, new.source, new.fid, new.chain_id, new.buyer, new.coin_address) then
    return new;
  end if;
  if tg_op = 'UPDATE' then
    raise exception 'quote % may not be linked to trade %', new.quote_id, new.id using errcode = 'check_violation';
  end if;
  select * into q from public.trade_quotes c
  where c.buyer = new.buyer and c.coin_address = new.coin_address and c.chain_id = new.chain_id
    and c.created_at > now() - interval '1 hour'
    and public.trade_quote_linkable(c, new.source, new.fid, new.chain_id, new.buyer, new.coin_address)
  order by c.created_at desc, c.id desc limit 1;
  new.quote_id := q.id;
  new.amount_in_wei := q.amount_in_wei;
  new.expected_out := q.expected_out;
  return new;
end;
$$;
comment on function public.guard_trade_quote_link() is
  'Trigger: a trade links only a quote trade_quote_linkable allows (an anonymous quote never joins a fid''s report).';
create trigger trades_quote_link_guard before insert or update of quote_id on public.trades
  for each row execute function public.guard_trade_quote_link();

-- Accept one verified frame action exactly once: claim its message hash, log it, and count a first-time viewer.
-- p_action: {messageHash, fid, castHash (nullable), action, buttonIndex, signedAt, data}.
-- Returns {status: 'recorded' | 'replay', newViewer, viralEnqueued}.
create function public.record_frame_action(p_action jsonb) returns jsonb
language plpgsql
as $$
declare
  v_hash text := p_action ->> 'messageHash';
  v_fid bigint := (p_action ->> 'fid')::bigint;
  v_cast text := p_action ->> 'castHash';
  v_at timestamptz := (p_action ->> 'signedAt')::timestamptz;
  v_claimed text;
  v_viewer boolean := false;
  v_enqueued boolean := false;
begin
  insert into public.frame_actions (message_hash, fid, cast_hash, action, button_index, signed_at)
  values (v_hash, v_fid, v_cast, p_action ->> 'action', (p_action ->> 'buttonIndex')::smallint, v_at)
  on conflict (message_hash) do nothing
  returning message_hash into v_claimed;
  if v_claimed is null then
    return jsonb_build_object('status', 'replay', 'newViewer', false, 'viralEnqueued', false);
  end if;
  insert into public.analytics_events (event_type, fid, cast_hash, data, occurred_at)
  values ('frame_action', v_fid, v_cast,
    jsonb_build_object('action', p_action ->> 'action', 'buttonIndex', (p_action ->> 'buttonIndex')::integer,
      'messageHash', v_hash) || coalesce(p_action -> 'data', '{}'::jsonb),
    v_at);
  if v_cast is not null and exists (
    select 1 from public.performances where cast_hash = v_cast and deleted_at is null
  ) then
    insert into public.frame_viewers (cast_hash, fid, first_seen_at) values (v_cast, v_fid, v_at)
    on conflict do nothing
    returning true into v_viewer;
    v_viewer := coalesce(v_viewer, false);
    if v_viewer then
      insert into public.performance_metrics as m (cast_hash, views_count) values (v_cast, 1)
      on conflict (cast_hash) do update set views_count = m.views_count + 1, updated_at = now();
      perform public.apply_viral_view(v_cast, v_fid, v_at);
      v_enqueued := public.check_viral(v_cast);
    end if;
  end if;
  return jsonb_build_object('status', 'recorded', 'newViewer', v_viewer, 'viralEnqueued', v_enqueued);
end;
$$;
comment on function public.record_frame_action(jsonb) is
  'Exactly-once acceptance of a verified frame action: replay registry, analytics event, first-time viewer -> '
  'views metric and viral views sum, then the incremental viral check.';

-- Unsigned frame and image GETs, counted by the server per cast and kind and written in batches: analytics only.
-- p_views: [{castHash, kind: 'frame' | 'image' | 'browser', at (first view), count}].
create function public.record_frame_views(p_views jsonb) returns integer
language sql
as $$
  with rows as (
    insert into public.analytics_events (event_type, cast_hash, data, occurred_at)
    select 'frame_view', v ->> 'castHash',
      jsonb_build_object('kind', v ->> 'kind', 'count', greatest(1, coalesce((v ->> 'count')::integer, 1))),
      (v ->> 'at')::timestamptz
    from jsonb_array_elements(p_views) v
    where v ->> 'castHash' ~ '^0x[0-9a-f]{40}$'
    returning 1
  )
  select count(*)::integer from rows
$$;
comment on function public.record_frame_views(jsonb) is
  'Batch insert of unsigned frame/image view analytics, one row per cast, kind and batch with its count (they do not '
  'move the views metric).';

-- Remove replay-registry rows that can no longer be replayed (older than the accepted message age).
create function public.prune_frame_actions(p_before timestamptz) returns integer
language sql
as $$
  with gone as (delete from public.frame_actions where received_at < p_before returning 1)
  select count(*)::integer from gone
$$;
comment on function public.prune_frame_actions(timestamptz) is
  'Retention of the replay registry: rows received before p_before (older than the message age limit) go.';

-- The coin a performance's buy buttons trade, with what the buy builder needs.
create function public.get_buy_target(p_cast_hash text) returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'castHash', pf.cast_hash, 'performanceId', pf.id, 'title', pf.title, 'deleted', pf.deleted_at is not null,
    'coin', case when c.id is null then null else jsonb_build_object(
      'address', c.coin_address, 'chainId', c.chain_id, 'symbol', c.symbol, 'name', c.name,
      'poolId', c.pool_id, 'poolKey', c.pool_key, 'createdAt', c.created_at) end)
  from public.performances pf
  left join public.performance_coins c on c.performance_id = pf.id
  where pf.cast_hash = p_cast_hash
$$;
comment on function public.get_buy_target(text) is 'A performance and its coin (null when none yet), for buying.';

-- Remember a buy transaction we built. p_quote: {source, fid, chainId, buyer, coinAddress, router, calldataHash,
-- amountInWei, expectedOut, minOut}. An identical quote recorded in the last 5 minutes is reused (and becomes the
-- newest, as the client asked for it again); the same calldata is the same transaction, so reuse never mislinks.
-- A transaction-scoped advisory lock per (buyer, coin, calldata) makes concurrent identical requests share one row.
-- Returns the quote id.
create function public.record_trade_quote(p_quote jsonb) returns bigint
language plpgsql
set search_path = public, pg_temp
as $$
declare
  c_reuse_window constant interval := interval '5 minutes';
  v_source text := p_quote ->> 'source';
  v_fid bigint := (p_quote ->> 'fid')::bigint;
  v_chain integer := (p_quote ->> 'chainId')::integer;
  v_buyer text := lower(p_quote ->> 'buyer');
  v_coin text := lower(p_quote ->> 'coinAddress');
  v_router text := lower(p_quote ->> 'router');
  v_calldata text := lower(p_quote ->> 'calldataHash');
  v_amount numeric := (p_quote ->> 'amountInWei')::numeric;
  v_expected numeric := (p_quote ->> 'expectedOut')::numeric;
  v_min numeric := (p_quote ->> 'minOut')::numeric;
  v_id bigint;
begin
  perform pg_advisory_xact_lock(hashtextextended('gigavibe.trade_quotes:' || v_buyer || v_coin || v_calldata, 0));
  update public.trade_quotes q set created_at = now()
  where q.id = (
    select id from public.trade_quotes
    where buyer = v_buyer and coin_address = v_coin and chain_id = v_chain and calldata_hash = v_calldata
      and source = v_source and fid is not distinct from v_fid and router = v_router and amount_in_wei = v_amount
      and expected_out = v_expected and min_out = v_min and created_at > now() - c_reuse_window
    order by created_at desc, id desc limit 1
  )
  returning q.id into v_id;
  if v_id is not null then
    return v_id;
  end if;
  insert into public.trade_quotes (source, fid, chain_id, buyer, coin_address, router, calldata_hash,
    amount_in_wei, expected_out, min_out)
  values (v_source, v_fid, v_chain, v_buyer, v_coin, v_router, v_calldata, v_amount, v_expected, v_min)
  returning id into v_id;
  return v_id;
end;
$$;
comment on function public.record_trade_quote(jsonb) is
  'Record a built buy transaction (amounts and calldata hash); an identical quote from the last 5 minutes is reused.';

-- Delete quotes created before p_older_than that no trade links to (a linked quote stays as long as its trade).
create function public.prune_trade_quotes(p_older_than timestamptz) returns integer
language sql
set search_path = public, pg_temp
as $$
  with gone as (
    delete from public.trade_quotes q
    where q.created_at < p_older_than and not exists (select 1 from public.trades t where t.quote_id = q.id)
    returning 1
  )
  select count(*)::integer from gone
$$;
comment on function public.prune_trade_quotes(timestamptz) is
  'Retention of buy quotes: unlinked quotes created before p_older_than go (the app passes now() - 1 hour).';

-- Record a reported buy once per (chain, tx hash, buyer). p_trade: {source, chainId, txHash, fid, buyer, coinAddress}.
-- The amounts come from the buyer's newest quote for that coin in the last hour (the confirmer later matches the
-- mined calldata to its quote exactly). Returns {recorded: true, id, status, created, buyer, coinAddress,
-- amountInWei, expectedOut, txHash}, or {recorded: false, reason, limit?} when the report is refused:
--   'fid_limit' / 'buyer_limit': the fid / the buyer already has `limit` pending reports (a new row only);
--   'other_fid': this (chain, tx, buyer) was already reported by another fid, which keeps it.
-- The limits are taken under per-fid and per-buyer transaction-scoped advisory locks (always fid first, then buyer,
-- so two reports cannot deadlock), so concurrent reports cannot both slip under a limit.
create function public.record_pending_trade(p_trade jsonb) returns jsonb
language plpgsql
set search_path = public, pg_temp
as $$
declare
  c_max_pending_per_fid constant integer := 5;
  c_max_pending_per_buyer constant integer := 5;
  v_buyer text := lower(p_trade ->> 'buyer');
  v_coin text := lower(p_trade ->> 'coinAddress');
  v_chain integer := (p_trade ->> 'chainId')::integer;
  v_fid bigint := (p_trade ->> 'fid')::bigint;
  v_tx text := lower(p_trade ->> 'txHash');
  q public.trade_quotes%rowtype;
  t public.trades%rowtype;
  v_created boolean := false;
begin
  if v_fid is not null then
    perform pg_advisory_xact_lock(hashtextextended('gigavibe.trades.fid:' || v_fid, 0));
  end if;
  perform pg_advisory_xact_lock(hashtextextended('gigavibe.trades.buyer:' || v_buyer, 0));

  select * into t from public.trades where chain_id = v_chain and tx_hash = v_tx and buyer = v_buyer;
  if found then
    if t.fid is distinct from v_fid and t.fid is not null then
      return jsonb_build_object('recorded', false, 'reason', 'other_fid');
    end if;
  else
    if v_fid is not null and (
      select count(*) from public.trades where fid = v_fid and status = 'pending'
    ) >= c_max_pending_per_fid then
      return jsonb_build_object('recorded', false, 'reason', 'fid_limit', 'limit', c_max_pending_per_fid);
    end if;
    if (
      select count(*) from public.trades where buyer = v_buyer and status = 'pending'
    ) >= c_max_pending_per_buyer then
      return jsonb_build_object('recorded', false, 'reason', 'buyer_limit', 'limit', c_max_pending_per_buyer);
    end if;
    select * into q from public.trade_quotes
    where buyer = v_buyer and coin_address = v_coin and chain_id = v_chain
      and (v_fid is null or fid is null or fid = v_fid) and created_at > now() - interval '1 hour'
    order by created_at desc, id desc limit 1;
    insert into public.trades (source, chain_id, tx_hash, fid, buyer, coin_address, performance_id, quote_id,
      amount_in_wei, expected_out)
    values (p_trade ->> 'source', v_chain, v_tx, v_fid, v_buyer, v_coin,
      (select c.performance_id from public.performance_coins c where c.coin_address = v_coin),
      q.id, q.amount_in_wei, q.expected_out)
    returning * into t;
    v_created := true;
    insert into public.analytics_events (event_type, fid, cast_hash, data, occurred_at)
    select 'trade_submitted', v_fid, pf.cast_hash,
      jsonb_build_object('tradeId', t.id, 'txHash', t.tx_hash, 'buyer', t.buyer, 'coin', t.coin_address,
        'amountInWei', t.amount_in_wei::text, 'source', t.source),
      now()
    from (select 1) one left join public.performances pf on pf.id = t.performance_id;
  end if;
  return jsonb_build_object('recorded', true, 'id', t.id, 'status', t.status, 'created', v_created,
    'buyer', t.buyer, 'coinAddress', t.coin_address, 'amountInWei', t.amount_in_wei::text,
    'expectedOut', t.expected_out::text, 'txHash', t.tx_hash);
end;
$$;
comment on function public.record_pending_trade(jsonb) is
  'Idempotent record of a reported buy (one row per chain, tx hash and buyer), amounts from the buyer''s newest '
  'quote; refuses a new report past 5 pending per fid or per buyer, and a report of a row another fid owns.';

-- Lease pending trades whose next check is due (FOR UPDATE SKIP LOCKED), for the trade confirmer. Never-checked
-- reports come first, newest first (a buyer is waiting on the frame for those), then retries in due order: a pile of
-- reports that keep failing to be found cannot delay the first look at a new one.
create function public.claim_pending_trades(p_worker text, p_limit integer default 20,
  p_lease_seconds integer default 60)
returns jsonb
language sql
set search_path = public, pg_temp
as $$
  with due as (
    select t.id from public.trades t
    where t.status = 'pending' and t.next_check_at <= now() and (t.lease_until is null or t.lease_until <= now())
    order by t.attempts = 0 desc, case when t.attempts = 0 then t.created_at end desc, t.next_check_at, t.id
    limit greatest(1, least(p_limit, 200))
    for update skip locked
  ), claimed as (
    update public.trades t set claimed_by = p_worker,
      lease_until = now() + make_interval(secs => greatest(1, p_lease_seconds)), attempts = t.attempts + 1
    from due where t.id = due.id
    returning t.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', c.id, 'chainId', c.chain_id, 'txHash', c.tx_hash, 'buyer', c.buyer, 'coinAddress', c.coin_address,
    'amountInWei', c.amount_in_wei::text, 'attempts', c.attempts, 'createdAt', c.created_at,
    'quote', case when q.id is null then null else jsonb_build_object('id', q.id, 'router', q.router,
      'calldataHash', q.calldata_hash, 'amountInWei', q.amount_in_wei::text, 'expectedOut', q.expected_out::text,
      'minOut', q.min_out::text) end
  ) order by c.id), '[]'::jsonb)
  from claimed c left join public.trade_quotes q on q.id = c.quote_id
$$;
comment on function public.claim_pending_trades(text, integer, integer) is
  'Lease due pending trades for one confirmer (skip locked), never-checked ones first and newest first; attempts '
  'counts the checks.';

-- Settle or reschedule one leased trade. p_result: {status: 'confirmed'|'failed'|'pending', blockNumber, amountOut,
-- amountInWei, quoteId, reason, retrySeconds}; quoteId null (present) unlinks a quote whose calldata the mined
-- transaction does not match, with its expected amount. Only the lease holder may settle. Returns the new status.
create function public.settle_trade(p_id bigint, p_worker text, p_result jsonb) returns text
language plpgsql
as $$
declare
  t public.trades%rowtype;
  v_status text := p_result ->> 'status';
begin
  select * into t from public.trades where id = p_id for update;
  if not found then
    return 'missing';
  end if;
  if t.status <> 'pending' then
    return t.status;
  end if;
  if t.claimed_by is distinct from p_worker then
    return 'not_owner';
  end if;
  if v_status = 'pending' then
    update public.trades set claimed_by = null, lease_until = null,
      next_check_at = now() + make_interval(secs => greatest(1, coalesce((p_result ->> 'retrySeconds')::integer, 5)))
    where id = p_id;
    return 'pending';
  end if;
  update public.trades set
    status = v_status,
    block_number = (p_result ->> 'blockNumber')::bigint,
    amount_out = case when v_status = 'confirmed' then (p_result ->> 'amountOut')::numeric end,
    amount_in_wei = coalesce((p_result ->> 'amountInWei')::numeric, amount_in_wei),
    quote_id = case when p_result ? 'quoteId' then (p_result ->> 'quoteId')::bigint else quote_id end,
    expected_out = case when p_result ? 'quoteId' and p_result -> 'quoteId' = 'null'::jsonb then null
      else expected_out end,
    failure_reason = case when v_status = 'failed' then coalesce(p_result ->> 'reason', 'failed') end,
    settled_at = now(), claimed_by = null, lease_until = null
  where id = p_id;
  insert into public.analytics_events (event_type, fid, cast_hash, data, occurred_at)
  select 'trade_' || v_status, t.fid, pf.cast_hash,
    jsonb_build_object('tradeId', t.id, 'txHash', t.tx_hash, 'amountOut', p_result ->> 'amountOut',
      'reason', p_result ->> 'reason'),
    now()
  from (select 1) one left join public.performances pf on pf.id = t.performance_id;
  return v_status;
end;
$$;
comment on function public.settle_trade(bigint, text, jsonb) is
  'Confirm or fail a leased pending trade from its receipt (once), or put it back with a delay.';

-- Look up the trade a client reported, for the confirmation frame and the API.
create function public.get_trade(p_chain_id integer, p_tx_hash text) returns jsonb
language sql stable
as $$
  select jsonb_build_object('id', t.id, 'status', t.status, 'txHash', t.tx_hash, 'buyer', t.buyer,
    'coinAddress', t.coin_address, 'amountInWei', t.amount_in_wei::text, 'expectedOut', t.expected_out::text,
    'amountOut', t.amount_out::text, 'failureReason', t.failure_reason, 'blockNumber', t.block_number,
    'source', t.source, 'fid', t.fid, 'createdAt', t.created_at, 'settledAt', t.settled_at)
  from public.trades t where t.chain_id = p_chain_id and t.tx_hash = lower(p_tx_hash)
  order by t.status = 'confirmed' desc, t.status = 'pending' desc, t.id
  limit 1
$$;
comment on function public.get_trade(integer, text) is
  'The reported trade of a transaction: the confirmed report if any (its buyer sent it), else the first pending one.';
