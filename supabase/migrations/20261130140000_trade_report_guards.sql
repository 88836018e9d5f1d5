-- Guards on reported trades. One fid could report hundreds of made-up transaction ids; each stayed pending for 30
-- minutes and the confirmer, working oldest first, checked them all before a real buy reported later. Now:
-- (1) a fid and a buyer address may each have only a few unconfirmed reports at a time, enforced here atomically;
-- (2) a later report of the same (chain, tx, buyer) by another fid is refused, so the first verified reporter keeps
--     the trade (the server accepts a report's address only when it is one of the fid's verified addresses);
-- (3) the confirmer claims never-checked reports first, newest first, so a flood of old ones cannot starve a new one;
-- (4) is_address_of_fid: the identity bridge's answer to "is this address the fid's" (custody, verified, primary).

create index trades_pending_fid_idx on public.trades (fid) where status = 'pending';
create index trades_pending_buyer_idx on public.trades (buyer) where status = 'pending';

-- Record a reported buy once per (chain, tx hash, buyer). p_trade: {source, chainId, txHash, fid, buyer, coinAddress}.
-- The amounts come from the buyer's newest quote for that coin in the last hour (the confirmer later matches the
-- mined calldata to its quote exactly). Returns {recorded: true, id, status, created, buyer, coinAddress,
-- amountInWei, expectedOut, txHash}, or {recorded: false, reason, limit?} when the report is refused:
--   'fid_limit' / 'buyer_limit': the fid / the buyer already has `limit` pending reports (a new row only);
--   'other_fid': this (chain, tx, buyer) was already reported by another fid, which keeps it.
-- The limits are taken under per-fid and per-buyer transaction-scoped advisory locks (always fid first, then buyer,
-- so two reports cannot deadlock), so concurrent reports cannot both slip under a limit.
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

-- Whether the identity bridge knows `p_address` as one of the fid's Ethereum addresses: its custody address, a
-- verified address or the primary one (kept current from Neynar user objects, which are signature-checked).
create function public.is_address_of_fid(p_fid bigint, p_address text) returns boolean
language sql stable
set search_path = public, pg_temp
as $$
  select exists (
    select 1 from public.users u
    where u.farcaster_fid = p_fid
      and (u.custody_address = lower(p_address) or u.primary_eth_address = lower(p_address)
        or lower(p_address) = any (u.verified_eth_addresses))
  )
$$;
comment on function public.is_address_of_fid(bigint, text) is
  'Identity bridge: is the address the fid''s custody, verified or primary Ethereum address.';

revoke execute on function public.record_pending_trade(jsonb), public.claim_pending_trades(text, integer, integer),
  public.is_address_of_fid(bigint, text) from public, anon, authenticated;
grant execute on function public.record_pending_trade(jsonb), public.claim_pending_trades(text, integer, integer),
  public.is_address_of_fid(bigint, text) to service_role;
