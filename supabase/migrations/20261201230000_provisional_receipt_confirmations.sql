-- Receipt confirmations are provisional until their block is final. A trade the confirmer settled from its receipt
-- (the indexer did not see the swap: not running, a coin it does not follow, not deep enough yet) keeps the receipt's
-- block hash; the same job re-reads the receipt later (claim_receipt_rechecks, leased like claim_pending_trades) and
-- settle_receipt_recheck either marks the confirmation final (same block hash once the head is CHAIN_CONFIRMATIONS
-- past it: never read again), leaves it provisional (same hash, not deep yet: read again later), or, when the receipt
-- is gone or in another block, puts the trade back to pending exactly as the indexed rollback does (the orphaned
-- settlement kept in index_correction.reorged), after which the normal path settles it again from the new chain.
-- Index-settled trades are left to the indexer. The trade_confirmed analytics event is recorded once per trade: a
-- re-settlement after a reorg records no second one (first_confirmed_at says whether the first was recorded).

alter table public.trades
  add column receipt_block_hash text check (receipt_block_hash ~ '^0x[0-9a-f]{64}$'),
  add column receipt_final_at timestamptz,
  add column receipt_checks integer not null default 0 check (receipt_checks >= 0),
  add column first_confirmed_at timestamptz;
comment on column public.trades.receipt_block_hash is
  'Block hash of the receipt a receipt confirmation rests on; the re-check compares the receipt''s block hash with it. '
  'Null for index settlements, failures, pending trades, and receipt confirmations from before it was kept (those are '
  're-checked by block number once, and take the hash then).';
comment on column public.trades.receipt_final_at is
  'When a receipt confirmation was found in the same block with the chain head CHAIN_CONFIRMATIONS past it: final, '
  'never read again. Null: provisional (or not a receipt confirmation).';
comment on column public.trades.receipt_checks is
  'Re-checks of the current receipt confirmation so far (its backoff); back to 0 when the trade is settled again.';
comment on column public.trades.first_confirmed_at is
  'When the trade was first confirmed (set by the status guard, never changed, kept through a reorg that puts the '
  'trade back to pending): settle_trade records the trade_confirmed analytics event only while it is still null, '
  'so once per trade.';

-- Receipt confirmations settled before the index path existed (settled_from null) rest on their receipts: say so, so
-- the re-check finds them. Trades confirmed before this migration recorded their trade_confirmed event already.
update public.trades set settled_from = 'receipt' where status <> 'pending' and settled_from is null;
update public.trades set first_confirmed_at = settled_at where status = 'confirmed' and first_confirmed_at is null;
update public.trades set first_confirmed_at = coalesce((index_correction ->> 'reorgedAt')::timestamptz, updated_at)
where index_correction ? 'reorged' and first_confirmed_at is null;

alter table public.trades
  add constraint trades_receipt_hash_of_receipt_confirmation
    check (receipt_block_hash is null or (status = 'confirmed' and settled_from = 'receipt')),
  add constraint trades_receipt_final_has_hash check (receipt_final_at is null or receipt_block_hash is not null),
  add constraint trades_confirmed_since check (status <> 'confirmed' or first_confirmed_at is not null);

-- The re-check's queue: provisional receipt confirmations by due time (next_check_at, which a settled trade did not
-- use before).
create index trades_receipt_recheck_idx on public.trades (next_check_at)
  where status = 'confirmed' and settled_from = 'receipt' and receipt_final_at is null;

-- Settled trades stay settled, except: inside the index settlement functions (flag gigavibe.index_settlement, as
-- before) a confirmed trade may go back to pending or take the indexed swap's amounts; inside settle_receipt_recheck
-- (flag gigavibe.receipt_recheck, transaction-local) a confirmed trade may go back to pending. A confirmation's
-- receipt block hash and finality change only inside those functions; first_confirmed_at is set here the first time
-- a trade is confirmed (whoever confirms it) and never changes after.
create or replace function public.guard_trade_status() returns trigger
language plpgsql
as $$
declare
  v_index boolean := coalesce(current_setting('gigavibe.index_settlement', true), '') = 'on';
  v_recheck boolean := coalesce(current_setting('gigavibe.receipt_recheck', true), '') = 'on';
begin
  if old.status <> 'pending' and (new.status <> old.status or new.amount_out is distinct from old.amount_out)
    and not (old.status = 'confirmed' and (
      (v_index and new.status in ('pending', 'confirmed')) or (v_recheck and new.status = 'pending'))) then
    raise exception 'trade % is already %', old.id, old.status using errcode = 'check_violation';
  end if;
  if old.status = 'confirmed' and not (v_index or v_recheck)
    and (new.receipt_block_hash is distinct from old.receipt_block_hash
      or new.receipt_final_at is distinct from old.receipt_final_at) then
    raise exception 'the receipt confirmation of trade % changes only when re-checked', old.id
      using errcode = 'check_violation';
  end if;
  if old.first_confirmed_at is not null and new.first_confirmed_at is distinct from old.first_confirmed_at then
    raise exception 'trade % was first confirmed at %', old.id, old.first_confirmed_at
      using errcode = 'check_violation';
  end if;
  if new.status = 'confirmed' and new.first_confirmed_at is null then
    new.first_confirmed_at := now();
  end if;
  new.updated_at := now();
  return new;
end;
$$;
comment on function public.guard_trade_status() is
  'Trigger: settled trades (confirmed/failed) are immutable, except a confirmed one that the index settlement '
  'functions correct or put back to pending after a reorg, or that settle_receipt_recheck puts back to pending (its '
  'receipt gone or in another block); the receipt hash and finality change only there; first_confirmed_at is set '
  'here when a trade is first confirmed, and never changes after.';

-- As before, plus reorgedAt: when a reorg last put the trade back to pending, so the receipt path's give-up windows
-- ("not found", "not mined") count from the reorg rather than from the report.
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
    'reorgedAt', c.index_correction ->> 'reorgedAt',
    'quote', case when q.id is null then null else jsonb_build_object('id', q.id, 'router', q.router,
      'calldataHash', q.calldata_hash, 'amountInWei', q.amount_in_wei::text, 'expectedOut', q.expected_out::text,
      'minOut', q.min_out::text) end
  ) order by c.id), '[]'::jsonb)
  from claimed c left join public.trade_quotes q on q.id = c.quote_id
  left join public.performance_coins pc on pc.coin_address = c.coin_address and pc.chain_id = c.chain_id
$$;
comment on function public.claim_pending_trades(text, integer, integer) is
  'Lease due pending trades for one confirmer (skip locked), never-checked ones first and newest first; attempts '
  'counts the checks; each comes with its side, its coin''s pool id and when a reorg last put it back to pending.';

-- As before, plus: a receipt confirmation keeps p_result.blockHash and is due for its first re-check after
-- p_result.recheckSeconds (default 5); the trade_confirmed event is recorded only for a trade's first confirmation
-- (first_confirmed_at, which the status guard sets, was still null).
create or replace function public.settle_trade(p_id bigint, p_worker text, p_result jsonb) returns text
language plpgsql
as $$
declare
  t public.trades%rowtype;
  v_status text := p_result ->> 'status';
  v_source text := coalesce(p_result ->> 'source', 'receipt');
begin
  select * into t from public.trades where id = p_id;
  if not found then
    return 'missing';
  end if;
  perform public.lock_trade_tx(t.chain_id, t.tx_hash);
  select * into t from public.trades where id = p_id for update;
  if t.status <> 'pending' then
    return t.status;
  end if;
  if t.claimed_by is distinct from p_worker then
    return 'not_owner';
  end if;
  if v_status <> 'pending' and v_source = 'index' and not exists (
    select 1 from public.coin_trades c
    where c.chain_id = t.chain_id and c.tx_hash = t.tx_hash and c.coin_address = t.coin_address
      and c.block_number = (p_result ->> 'blockNumber')::bigint
  ) then
    v_status := 'pending';
    p_result := jsonb_build_object('retrySeconds', 1);
  end if;
  if v_status = 'pending' then
    update public.trades set claimed_by = null, lease_until = null,
      next_check_at = now() + make_interval(secs => greatest(1, coalesce((p_result ->> 'retrySeconds')::integer, 5)))
    where id = p_id;
    return 'pending';
  end if;
  update public.trades set
    status = v_status,
    settled_from = v_source,
    block_number = (p_result ->> 'blockNumber')::bigint,
    amount_out = case when v_status = 'confirmed' then (p_result ->> 'amountOut')::numeric end,
    amount_in_wei = coalesce((p_result ->> 'amountInWei')::numeric, amount_in_wei),
    quote_id = case when p_result ? 'quoteId' then (p_result ->> 'quoteId')::bigint else quote_id end,
    expected_out = case when p_result ? 'quoteId' and p_result -> 'quoteId' = 'null'::jsonb then null
      else expected_out end,
    failure_reason = case when v_status = 'failed' then coalesce(p_result ->> 'reason', 'failed') end,
    receipt_block_hash = case when v_status = 'confirmed' and v_source = 'receipt'
      then lower(p_result ->> 'blockHash') end,
    receipt_final_at = null,
    receipt_checks = 0,
    next_check_at = case when v_status = 'confirmed' and v_source = 'receipt'
      then now() + make_interval(secs => greatest(1, coalesce((p_result ->> 'recheckSeconds')::integer, 5)))
      else next_check_at end,
    settled_at = now(), claimed_by = null, lease_until = null
  where id = p_id;
  -- Once per trade: a trade confirmed before (then put back to pending by a reorg) is the same confirmed trade.
  if not (v_status = 'confirmed' and t.first_confirmed_at is not null) then
    insert into public.analytics_events (event_type, fid, cast_hash, data, occurred_at)
    select 'trade_' || v_status, t.fid, pf.cast_hash,
      jsonb_build_object('tradeId', t.id, 'txHash', t.tx_hash, 'amountOut', p_result ->> 'amountOut',
        'reason', p_result ->> 'reason'),
      now()
    from (select 1) one left join public.performances pf on pf.id = t.performance_id;
  end if;
  if v_status = 'confirmed' then
    perform public.reconcile_trade_with_index(p_id);
  end if;
  return v_status;
end;
$$;
comment on function public.settle_trade(bigint, text, jsonb) is
  'Confirm or fail a leased pending trade (once) from its indexed swap or its receipt (keeping the receipt''s block '
  'hash, provisional until re-checked), or put it back with a delay; an index settlement whose swap was rolled back '
  'meanwhile goes back to pending; a confirmation is checked against the indexed swap when there is one; '
  'trade_confirmed is recorded for the first confirmation only.';

-- As before; a receipt confirmation the index takes over stops being a receipt confirmation (its hash and finality
-- go, the receipt's hash kept with its numbers when they disagreed).
create or replace function public.reconcile_trade_with_index(p_trade_id bigint) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  t public.trades%rowtype;
  f jsonb;
  v_out numeric;
  v_in numeric;
begin
  select * into t from public.trades where id = p_trade_id and status = 'confirmed' for update;
  if not found then
    return;
  end if;
  f := public.indexed_trade_swap(t.chain_id, t.tx_hash, t.coin_address, t.buyer);
  if f is null or not (f ->> 'complete')::boolean or f ->> 'txFrom' <> t.buyer then
    return;
  end if;
  if t.side = 'buy' then
    v_out := (f ->> 'coinsToTrader')::numeric;
    v_in := case when (f ->> 'txValue')::numeric > 0 then (f ->> 'txValue')::numeric else t.amount_in_wei end;
  else
    v_out := (f ->> 'ethToRouter')::numeric;
    v_in := (f ->> 'coinsFromTrader')::numeric;
  end if;
  if v_out <= 0 then
    return;
  end if;
  perform set_config('gigavibe.index_settlement', 'on', true);
  update public.trades set
    settled_from = 'index',
    block_number = (f ->> 'blockNumber')::bigint,
    amount_out = v_out,
    amount_in_wei = v_in,
    receipt_block_hash = null,
    receipt_final_at = null,
    index_correction = case
      when t.block_number = (f ->> 'blockNumber')::bigint and t.amount_out = v_out
        and t.amount_in_wei is not distinct from v_in then index_correction
      else coalesce(index_correction, '{}'::jsonb) || jsonb_build_object('receipt', jsonb_strip_nulls(
        jsonb_build_object('blockNumber', t.block_number, 'blockHash', t.receipt_block_hash,
          'amountOut', t.amount_out::text, 'amountInWei', t.amount_in_wei::text)),
        'correctedAt', now()) end
  where id = t.id;
  perform set_config('gigavibe.index_settlement', 'off', true);
  update public.coin_trades set trade_id = t.id
  where id in (
    select id from public.coin_trades
    where chain_id = t.chain_id and tx_hash = t.tx_hash and coin_address = t.coin_address
      and trade_id is distinct from t.id
    for update skip locked
  );
end;
$$;
comment on function public.reconcile_trade_with_index(bigint) is
  'Make a confirmed trade agree with its indexed swap (block and amounts; the receipt''s numbers and block hash kept '
  'in index_correction when they differed; no longer a provisional receipt confirmation) and link the swap to it; '
  'no-op without a complete indexed swap.';

-- As before, also clearing a receipt confirmation's hash and finality (a receipt confirmation whose swap was indexed
-- but not reconciled, e.g. a report whose sender is not the swap's) and keeping the hash with the orphaned numbers.
create or replace function public.unconfirm_rolled_back_trades() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
declare
  r record;
begin
  for r in select distinct chain_id, tx_hash from removed order by 1, 2 loop
    perform public.lock_trade_tx(r.chain_id, r.tx_hash);
  end loop;
  perform set_config('gigavibe.index_settlement', 'on', true);
  update public.trades t set status = 'pending', amount_out = null, block_number = null, settled_at = null,
    failure_reason = null, settled_from = null, claimed_by = null, lease_until = null, next_check_at = now(),
    receipt_block_hash = null, receipt_final_at = null, receipt_checks = 0,
    index_correction = coalesce(t.index_correction, '{}'::jsonb) || jsonb_build_object('reorged', jsonb_strip_nulls(
      jsonb_build_object('blockNumber', t.block_number, 'blockHash', t.receipt_block_hash,
        'amountOut', t.amount_out::text, 'amountInWei', t.amount_in_wei::text, 'source', t.settled_from)),
      'reorgedAt', now())
  from (select distinct chain_id, tx_hash, coin_address from removed) x
  where t.chain_id = x.chain_id and t.tx_hash = x.tx_hash and t.coin_address = x.coin_address
    and t.status = 'confirmed'
    and not exists (select 1 from public.coin_trades c where c.chain_id = t.chain_id and c.tx_hash = t.tx_hash
      and c.coin_address = t.coin_address);
  perform set_config('gigavibe.index_settlement', 'off', true);
  return null;
end;
$$;
comment on function public.unconfirm_rolled_back_trades() is
  'Trigger after swaps are deleted (a reorg rollback): trades confirmed on them go back to pending, due now, with '
  'the orphaned settlement kept in index_correction.';

-- Lease due re-checks of provisional receipt confirmations (skip locked, as claim_pending_trades): due by
-- next_check_at, at most 200; receipt_checks counts them (the backoff).
create function public.claim_receipt_rechecks(p_worker text, p_limit integer default 20,
  p_lease_seconds integer default 60)
returns jsonb
language sql
set search_path = public, pg_temp
as $$
  with due as (
    select t.id from public.trades t
    where t.status = 'confirmed' and t.settled_from = 'receipt' and t.receipt_final_at is null
      and t.next_check_at <= now() and (t.lease_until is null or t.lease_until <= now())
    order by t.next_check_at, t.id
    limit greatest(1, least(p_limit, 200))
    for update skip locked
  ), claimed as (
    update public.trades t set claimed_by = p_worker,
      lease_until = now() + make_interval(secs => greatest(1, p_lease_seconds)), receipt_checks = t.receipt_checks + 1
    from due where t.id = due.id
    returning t.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', c.id, 'chainId', c.chain_id, 'txHash', c.tx_hash, 'blockNumber', c.block_number,
    'blockHash', c.receipt_block_hash, 'checks', c.receipt_checks
  ) order by c.id), '[]'::jsonb)
  from claimed c
$$;
comment on function public.claim_receipt_rechecks(text, integer, integer) is
  'Lease due re-checks of provisional receipt confirmations for one confirmer (skip locked): each with its '
  'transaction, block number and receipt block hash, and how many times it was re-checked.';

-- Heartbeat of a re-check batch: extend p_worker's unexpired leases on those still provisional; false when one of
-- them is still leased but no longer by p_worker's unexpired lease (expired, or taken over): the worker stops. Rows
-- released meanwhile (re-checked, settled by the indexer, rolled back) are ignored.
create function public.renew_receipt_recheck_lease(p_worker text, p_ids jsonb, p_seconds integer) returns boolean
language sql
set search_path = public, pg_temp
as $$
  with wanted as (
    select distinct (value #>> '{}')::bigint as id from jsonb_array_elements(coalesce(p_ids, '[]'::jsonb))
  ), renewed as (
    update public.trades t
    set lease_until = now() + make_interval(secs => greatest(1, p_seconds))
    from wanted w
    where t.id = w.id and t.status = 'confirmed' and t.settled_from = 'receipt' and t.receipt_final_at is null
      and t.claimed_by = p_worker and t.lease_until > now()
    returning t.id
  )
  select not exists (
    select 1 from public.trades t join wanted w on w.id = t.id
    where t.status = 'confirmed' and t.settled_from = 'receipt' and t.receipt_final_at is null
      and t.claimed_by is not null and t.id not in (select id from renewed)
  )
$$;
comment on function public.renew_receipt_recheck_lease(text, jsonb, integer) is
  'Heartbeat of a re-check batch: extend p_worker''s unexpired leases on the provisional confirmations p_ids; false '
  'when one of them is leased but lost (expired or taken over).';

-- What a re-check found, applied by the lease holder under the transaction's lock (lock_trade_tx, as every writer of
-- a trade's settlement). p_result.outcome:
--   'final' / 'provisional': the receipt is in the confirmation's block (blockHash, blockNumber); final also marks
--     it never to be read again, provisional reschedules it after retrySeconds. A confirmation without a hash (from
--     before the hash was kept) takes it when the receipt's block number is the confirmation's.
--   'reorged': the receipt is gone (receipt null) or in another block (receipt {blockNumber, blockHash}): the trade
--     goes back to pending, due now, the orphaned settlement in index_correction.reorged, as the indexed rollback.
--   'retry': nothing learned (RPC error, an answer that cannot be trusted): rescheduled after retrySeconds.
-- Answers the outcome applied, or what the trade is now when another writer changed it first ('pending', 'index',
-- 'failed', 'final'), 'not_owner' without the lease, 'missing'.
create function public.settle_receipt_recheck(p_id bigint, p_worker text, p_result jsonb) returns text
language plpgsql
set search_path = public, pg_temp
as $$
declare
  t public.trades%rowtype;
  v_outcome text := p_result ->> 'outcome';
  v_hash text := lower(p_result ->> 'blockHash');
  v_retry interval := make_interval(secs => greatest(1, coalesce((p_result ->> 'retrySeconds')::integer, 5)));
begin
  if v_outcome is null or v_outcome not in ('final', 'provisional', 'reorged', 'retry') then
    raise exception 'unknown re-check outcome %', v_outcome using errcode = 'invalid_parameter_value';
  end if;
  select * into t from public.trades where id = p_id;
  if not found then
    return 'missing';
  end if;
  perform public.lock_trade_tx(t.chain_id, t.tx_hash);
  select * into t from public.trades where id = p_id for update;
  if t.status <> 'confirmed' then
    return t.status;
  end if;
  if t.settled_from is distinct from 'receipt' then
    return coalesce(t.settled_from, 'index');
  end if;
  if t.receipt_final_at is not null then
    return 'final';
  end if;
  if t.claimed_by is distinct from p_worker then
    return 'not_owner';
  end if;
  if v_outcome = 'retry' then
    update public.trades set claimed_by = null, lease_until = null, next_check_at = now() + v_retry where id = p_id;
    return 'retry';
  end if;
  if v_outcome in ('final', 'provisional') then
    -- The same block: the hash the confirmation rests on, or (kept before hashes were) the same block number.
    if v_hash is null or (t.receipt_block_hash is not null and v_hash <> t.receipt_block_hash)
      or (t.receipt_block_hash is null and (p_result ->> 'blockNumber')::bigint is distinct from t.block_number) then
      raise exception 'trade %: a % re-check must name the confirmation''s block', p_id, v_outcome
        using errcode = 'invalid_parameter_value';
    end if;
    perform set_config('gigavibe.receipt_recheck', 'on', true);
    update public.trades set receipt_block_hash = v_hash,
      receipt_final_at = case when v_outcome = 'final' then now() end,
      claimed_by = null, lease_until = null,
      next_check_at = case when v_outcome = 'final' then next_check_at else now() + v_retry end
    where id = p_id;
    perform set_config('gigavibe.receipt_recheck', 'off', true);
    return v_outcome;
  end if;
  -- Reorged: refuse a "receipt elsewhere" that names the confirmation's own block.
  if p_result -> 'receipt' is not null and jsonb_typeof(p_result -> 'receipt') = 'object' and (
    lower(p_result -> 'receipt' ->> 'blockHash') = t.receipt_block_hash
    or (t.receipt_block_hash is null and (p_result -> 'receipt' ->> 'blockNumber')::bigint = t.block_number)
  ) then
    raise exception 'trade %: a reorged re-check names the confirmation''s own block', p_id
      using errcode = 'invalid_parameter_value';
  end if;
  perform set_config('gigavibe.receipt_recheck', 'on', true);
  update public.trades set status = 'pending', amount_out = null, block_number = null, settled_at = null,
    failure_reason = null, settled_from = null, claimed_by = null, lease_until = null, next_check_at = now(),
    receipt_block_hash = null, receipt_final_at = null, receipt_checks = 0,
    index_correction = coalesce(index_correction, '{}'::jsonb) || jsonb_build_object('reorged', jsonb_strip_nulls(
      jsonb_build_object('blockNumber', t.block_number, 'blockHash', t.receipt_block_hash,
        'amountOut', t.amount_out::text, 'amountInWei', t.amount_in_wei::text, 'source', 'receipt',
        'receiptNow', case when jsonb_typeof(p_result -> 'receipt') = 'object' then jsonb_build_object(
          'blockNumber', (p_result -> 'receipt' ->> 'blockNumber')::bigint,
          'blockHash', lower(p_result -> 'receipt' ->> 'blockHash')) end)),
      'reorgedAt', now())
  where id = p_id;
  perform set_config('gigavibe.receipt_recheck', 'off', true);
  return 'reorged';
end;
$$;
comment on function public.settle_receipt_recheck(bigint, text, jsonb) is
  'Apply a re-check of a leased provisional receipt confirmation: final, still provisional (rescheduled), reorged '
  '(back to pending, due now, the orphaned settlement in index_correction.reorged) or retry; the lease holder only, '
  'under the transaction''s lock.';

revoke execute on function public.claim_receipt_rechecks(text, integer, integer),
  public.renew_receipt_recheck_lease(text, jsonb, integer), public.settle_receipt_recheck(bigint, text, jsonb)
  from public, anon, authenticated;
grant execute on function public.claim_receipt_rechecks(text, integer, integer),
  public.renew_receipt_recheck_lease(text, jsonb, integer), public.settle_receipt_recheck(bigint, text, jsonb)
  to service_role;
