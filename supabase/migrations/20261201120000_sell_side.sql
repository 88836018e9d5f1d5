-- Selling: quotes and reported trades carry a side. A sell quote's amount_in_wei is the raw coin amount sold and its
-- expected_out / min_out are wei; a sell trade's amount_in_wei is the coins sold and amount_out the ETH (wei) the
-- seller received. Existing rows are buys. A quote links only to a trade of its own side (guard_trade_quote_link),
-- and record_pending_trade takes the reporter's newest quote of that side. claim_pending_trades hands the confirmer
-- the side and the coin's pool id (a sell's ETH is read from the PoolManager's Swap event of that pool).

alter table public.trade_quotes add column side text not null default 'buy' check (side in ('buy', 'sell'));
comment on column public.trade_quotes.side is
  'buy: amount_in_wei is ETH (wei), expected_out/min_out coins; sell: amount_in_wei is coins (raw), the outs are wei.';
alter table public.trades add column side text not null default 'buy' check (side in ('buy', 'sell'));
comment on column public.trades.side is
  'buy: amount_in_wei is ETH paid, amount_out coins received; sell: amount_in_wei is coins sold, amount_out wei received.';

create or replace function public.guard_trade_quote_link() returns trigger
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
  if found and q.side = new.side
    and public.trade_quote_linkable(q, new.source, new.fid, new.chain_id, new.buyer, new.coin_address) then
    return new;
  end if;
  if tg_op = 'UPDATE' then
    raise exception 'quote % may not be linked to trade %', new.quote_id, new.id using errcode = 'check_violation';
  end if;
  select * into q from public.trade_quotes c
  where c.buyer = new.buyer and c.coin_address = new.coin_address and c.chain_id = new.chain_id
    and c.side = new.side and c.created_at > now() - interval '1 hour'
    and public.trade_quote_linkable(c, new.source, new.fid, new.chain_id, new.buyer, new.coin_address)
  order by c.created_at desc, c.id desc limit 1;
  new.quote_id := q.id;
  new.amount_in_wei := q.amount_in_wei;
  new.expected_out := q.expected_out;
  return new;
end;
$$;
comment on function public.guard_trade_quote_link() is
  'Trigger: a trade links only a quote of its side that trade_quote_linkable allows (an anonymous quote never joins '
  'a fid''s report).';

-- p_quote as before plus side ('buy' when absent).
create or replace function public.record_trade_quote(p_quote jsonb) returns bigint
language plpgsql
set search_path = public, pg_temp
as $$
declare
  c_reuse_window constant interval := interval '5 minutes';
  v_source text := p_quote ->> 'source';
  v_side text := coalesce(p_quote ->> 'side', 'buy');
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
      and source = v_source and side = v_side and fid is not distinct from v_fid and router = v_router
      and amount_in_wei = v_amount and expected_out = v_expected and min_out = v_min
      and created_at > now() - c_reuse_window
    order by created_at desc, id desc limit 1
  )
  returning q.id into v_id;
  if v_id is not null then
    return v_id;
  end if;
  insert into public.trade_quotes (source, side, fid, chain_id, buyer, coin_address, router, calldata_hash,
    amount_in_wei, expected_out, min_out)
  values (v_source, v_side, v_fid, v_chain, v_buyer, v_coin, v_router, v_calldata, v_amount, v_expected, v_min)
  returning id into v_id;
  return v_id;
end;
$$;
comment on function public.record_trade_quote(jsonb) is
  'Record a built buy or sell transaction (side, amounts and calldata hash); an identical quote from the last 5 '
  'minutes is reused.';

-- p_trade as before plus side ('buy' when absent); the answer also carries side.
create or replace function public.record_pending_trade(p_trade jsonb) returns jsonb
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
  v_side text := coalesce(p_trade ->> 'side', 'buy');
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
    where buyer = v_buyer and coin_address = v_coin and chain_id = v_chain and side = v_side
      and (v_fid is null or fid is null or fid = v_fid) and created_at > now() - interval '1 hour'
    order by created_at desc, id desc limit 1;
    insert into public.trades (source, side, chain_id, tx_hash, fid, buyer, coin_address, performance_id, quote_id,
      amount_in_wei, expected_out)
    values (p_trade ->> 'source', v_side, v_chain, v_tx, v_fid, v_buyer, v_coin,
      (select c.performance_id from public.performance_coins c where c.coin_address = v_coin),
      q.id, q.amount_in_wei, q.expected_out)
    returning * into t;
    v_created := true;
    insert into public.analytics_events (event_type, fid, cast_hash, data, occurred_at)
    select 'trade_submitted', v_fid, pf.cast_hash,
      jsonb_build_object('tradeId', t.id, 'txHash', t.tx_hash, 'buyer', t.buyer, 'coin', t.coin_address,
        'amountInWei', t.amount_in_wei::text, 'source', t.source, 'side', t.side),
      now()
    from (select 1) one left join public.performances pf on pf.id = t.performance_id;
  end if;
  return jsonb_build_object('recorded', true, 'id', t.id, 'status', t.status, 'created', v_created,
    'buyer', t.buyer, 'coinAddress', t.coin_address, 'amountInWei', t.amount_in_wei::text,
    'expectedOut', t.expected_out::text, 'txHash', t.tx_hash, 'side', t.side);
end;
$$;
comment on function public.record_pending_trade(jsonb) is
  'Idempotent record of a reported buy or sell (one row per chain, tx hash and trader), amounts from the trader''s '
  'newest quote of that side; refuses a new report past 5 pending per fid or per trader, and a report of a row '
  'another fid owns.';

create or replace function public.claim_pending_trades(p_worker text, p_limit integer default 20,
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
    'side', c.side, 'poolId', pc.pool_id,
    'amountInWei', c.amount_in_wei::text, 'attempts', c.attempts, 'createdAt', c.created_at,
    'quote', case when q.id is null then null else jsonb_build_object('id', q.id, 'router', q.router,
      'calldataHash', q.calldata_hash, 'amountInWei', q.amount_in_wei::text, 'expectedOut', q.expected_out::text,
      'minOut', q.min_out::text) end
  ) order by c.id), '[]'::jsonb)
  from claimed c left join public.trade_quotes q on q.id = c.quote_id
  left join public.performance_coins pc on pc.coin_address = c.coin_address and pc.chain_id = c.chain_id
$$;
comment on function public.claim_pending_trades(text, integer, integer) is
  'Lease due pending trades for one confirmer (skip locked), never-checked ones first and newest first; attempts '
  'counts the checks; each comes with its side and its coin''s pool id.';

create or replace function public.get_trade(p_chain_id integer, p_tx_hash text) returns jsonb
language sql stable
as $$
  select jsonb_build_object('id', t.id, 'status', t.status, 'txHash', t.tx_hash, 'buyer', t.buyer,
    'coinAddress', t.coin_address, 'amountInWei', t.amount_in_wei::text, 'expectedOut', t.expected_out::text,
    'amountOut', t.amount_out::text, 'failureReason', t.failure_reason, 'blockNumber', t.block_number,
    'source', t.source, 'fid', t.fid, 'createdAt', t.created_at, 'settledAt', t.settled_at, 'side', t.side)
  from public.trades t where t.chain_id = p_chain_id and t.tx_hash = lower(p_tx_hash)
  order by t.status = 'confirmed' desc, t.status = 'pending' desc, t.id
  limit 1
$$;
comment on function public.get_trade(integer, text) is
  'The reported trade of a transaction (with its side): the confirmed report if any (its trader sent it), else the '
  'first pending one.';

-- The coin of the newest quote we handed p_buyer whose calldata hashes to p_calldata_hash: a trade reported without
-- its cast is attributed to the coin we quoted that exact transaction for (null: we never quoted it).
create function public.find_quoted_coin(p_chain_id integer, p_buyer text, p_calldata_hash text) returns text
language sql stable
set search_path = public, pg_temp
as $$
  select q.coin_address from public.trade_quotes q
  where q.chain_id = p_chain_id and q.buyer = lower(p_buyer) and q.calldata_hash = lower(p_calldata_hash)
  order by q.created_at desc, q.id desc
  limit 1
$$;
comment on function public.find_quoted_coin(integer, text, text) is
  'The coin of the newest quote to this address with exactly this calldata (keccak256), or null.';
revoke execute on function public.find_quoted_coin(integer, text, text) from public, anon, authenticated;
grant execute on function public.find_quoted_coin(integer, text, text) to service_role;
