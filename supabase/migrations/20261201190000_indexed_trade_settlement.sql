-- Reported trades settled from the indexed swap. The chain indexer now keeps, per swap, what the trade confirmer's
-- safety rules read from a transaction (its sender, its target, its value, the keccak256 of its calldata) and the
-- router that called PoolManager.swap (the Swapped event's sender); the confirmer settles a pending trade whose swap
-- is indexed from these rows and the indexed transfers, with no receipt, and falls back to the receipt for trades the
-- indexer has not seen (or saw before it kept these columns). Where both paths settle one trade, the indexed swap
-- wins: a receipt confirmation is checked against it when the swap is indexed, corrected if the amounts differ (the
-- receipt's numbers kept in trades.index_correction), and a confirmation whose indexed swap a reorg rolled back goes
-- back to pending and is settled again. Reverting or correcting a confirmed trade is legal only inside these
-- functions (a transaction-local flag the status guard honours).

alter table public.coin_trades
  add column router text check (router ~ '^0x[0-9a-f]{40}$'),
  add column tx_from text check (tx_from ~ '^0x[0-9a-f]{40}$'),
  add column tx_to text check (tx_to ~ '^0x[0-9a-f]{40}$'),
  add column tx_value numeric(78, 0) check (tx_value >= 0),
  add column tx_input_hash text check (tx_input_hash ~ '^0x[0-9a-f]{64}$');
comment on column public.coin_trades.router is
  'The caller of PoolManager.swap (the Swapped event''s sender): the router that executed the swap. Null on rows '
  'indexed before it was kept.';
comment on column public.coin_trades.tx_from is
  'Sender of the swap''s transaction (the trade confirmer''s "sent by the trader" rule); null on rows indexed before '
  'the transaction facts were kept: such swaps are settled from the receipt.';
comment on column public.coin_trades.tx_to is
  'Target of the swap''s transaction (the confirmer''s router allowlist rule); null also for a contract creation.';
comment on column public.coin_trades.tx_value is 'Wei sent with the swap''s transaction (a buy''s ETH paid).';
comment on column public.coin_trades.tx_input_hash is
  'keccak256 of the transaction''s calldata: a trade links its quote only when it equals the quote''s calldata hash.';

alter table public.trades
  add column settled_from text check (settled_from in ('receipt', 'index')),
  add column index_correction jsonb;
comment on column public.trades.settled_from is
  'What the settlement rests on: the transaction receipt, or the indexed swap (the source of truth once indexed).';
comment on column public.trades.index_correction is
  'What the indexed swap changed on an already confirmed trade: {receipt: the receipt''s block and amounts, '
  'correctedAt} when they disagreed, {reorged: the orphaned block and amounts, reorgedAt} when a reorg rolled the '
  'swap back and the trade went back to pending. Null when nothing was ever corrected.';

-- Settled trades stay settled, except inside the index settlement functions below (flag
-- gigavibe.index_settlement = 'on', transaction-local): a confirmed trade may go back to pending (its swap was rolled
-- back by a reorg) or take the indexed swap's amounts (they disagreed with the receipt's).
create or replace function public.guard_trade_status() returns trigger
language plpgsql
as $$
begin
  if old.status <> 'pending' and (new.status <> old.status or new.amount_out is distinct from old.amount_out)
    and not (old.status = 'confirmed' and new.status in ('pending', 'confirmed')
      and coalesce(current_setting('gigavibe.index_settlement', true), '') = 'on') then
    raise exception 'trade % is already %', old.id, old.status using errcode = 'check_violation';
  end if;
  new.updated_at := now();
  return new;
end;
$$;
comment on function public.guard_trade_status() is
  'Trigger: settled trades (confirmed/failed) are immutable, except a confirmed one that the index settlement '
  'functions correct to its indexed swap or put back to pending after a reorg.';

-- Serializes everything that settles or corrects the trades of one transaction (the confirmer, the indexer's step,
-- the reorg rollback): taken before any trade row lock, so the two writers always see each other's commits.
create function public.lock_trade_tx(p_chain_id integer, p_tx_hash text) returns void
language sql
set search_path = public, pg_temp
as $$
  select pg_advisory_xact_lock(hashtextextended('gigavibe.trade_tx:' || p_chain_id || ':' || lower(p_tx_hash), 0))
$$;
comment on function public.lock_trade_tx(integer, text) is
  'Transaction-scoped lock of one (chain, tx hash): taken before settling or correcting its trades.';

-- What the index knows about the swap of a reported trade: null when no swap of that coin in that transaction is
-- indexed. Amounts follow the receipt path's rules exactly: coins the trader received (buy) or sent (sell) are the
-- coin's indexed transfers in the transaction; a sell's ETH is what the pool paid the transaction's target router.
create function public.indexed_trade_swap(p_chain_id integer, p_tx_hash text, p_coin text, p_trader text)
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  with swaps as (
    select * from public.coin_trades
    where chain_id = p_chain_id and tx_hash = lower(p_tx_hash) and coin_address = lower(p_coin)
  )
  select case when count(*) = 0 then null else jsonb_build_object(
    'blockNumber', max(s.block_number),
    'swaps', count(*),
    'complete', bool_and(s.tx_from is not null and s.router is not null and s.tx_input_hash is not null),
    'txFrom', min(s.tx_from),
    'txTo', min(s.tx_to),
    'txValue', min(s.tx_value)::text,
    'txInputHash', min(s.tx_input_hash),
    'coinsToTrader', (select coalesce(sum(t.amount), 0)::text from public.coin_transfers t
      where t.chain_id = p_chain_id and t.tx_hash = lower(p_tx_hash) and t.coin_address = lower(p_coin)
        and t.to_address = lower(p_trader)),
    'coinsFromTrader', (select coalesce(sum(t.amount), 0)::text from public.coin_transfers t
      where t.chain_id = p_chain_id and t.tx_hash = lower(p_tx_hash) and t.coin_address = lower(p_coin)
        and t.from_address = lower(p_trader)),
    'ethToRouter', coalesce(sum(case when s.side = 'sell' then s.eth_amount else -s.eth_amount end)
      filter (where s.router = s.tx_to), 0)::text
  ) end
  from swaps s
$$;
comment on function public.indexed_trade_swap(integer, text, text, text) is
  'The indexed swap of (chain, tx, coin) as the trade confirmer needs it: block, transaction facts, coins the trader '
  'received and sent (indexed transfers), ETH paid to the transaction''s router; null when none is indexed.';

-- Check a confirmed trade against its indexed swap: the indexed block and amounts win; a disagreement is kept in
-- index_correction (with the receipt's numbers). Links the swap rows to the trade. The caller holds lock_trade_tx.
create function public.reconcile_trade_with_index(p_trade_id bigint) returns void
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
  -- The same transaction cannot lose its swap's output while the swap is indexed; if the index ever says so, the
  -- confirmation is left as it is rather than turned into a zero.
  if v_out <= 0 then
    return;
  end if;
  perform set_config('gigavibe.index_settlement', 'on', true);
  update public.trades set
    settled_from = 'index',
    block_number = (f ->> 'blockNumber')::bigint,
    amount_out = v_out,
    amount_in_wei = v_in,
    index_correction = case
      when t.block_number = (f ->> 'blockNumber')::bigint and t.amount_out = v_out
        and t.amount_in_wei is not distinct from v_in then index_correction
      else coalesce(index_correction, '{}'::jsonb) || jsonb_build_object('receipt', jsonb_build_object(
        'blockNumber', t.block_number, 'amountOut', t.amount_out::text, 'amountInWei', t.amount_in_wei::text),
        'correctedAt', now()) end
  where id = t.id;
  perform set_config('gigavibe.index_settlement', 'off', true);
  -- Skip rows another transaction holds (a rollback deleting them waits for this transaction's lock_trade_tx: waiting
  -- on its row locks here would deadlock).
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
  'Make a confirmed trade agree with its indexed swap (block and amounts; the receipt''s numbers kept in '
  'index_correction when they differed) and link the swap to it; no-op without a complete indexed swap.';

-- Settle or reschedule one leased trade, as before, plus: p_result.source 'index' (settled from the indexed swap,
-- refused back to pending if that swap was rolled back meanwhile) or 'receipt' (the default: checked against the
-- indexed swap right away when it is already indexed).
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
    settled_at = now(), claimed_by = null, lease_until = null
  where id = p_id;
  insert into public.analytics_events (event_type, fid, cast_hash, data, occurred_at)
  select 'trade_' || v_status, t.fid, pf.cast_hash,
    jsonb_build_object('tradeId', t.id, 'txHash', t.tx_hash, 'amountOut', p_result ->> 'amountOut',
      'reason', p_result ->> 'reason'),
    now()
  from (select 1) one left join public.performances pf on pf.id = t.performance_id;
  if v_status = 'confirmed' then
    perform public.reconcile_trade_with_index(p_id);
  end if;
  return v_status;
end;
$$;
comment on function public.settle_trade(bigint, text, jsonb) is
  'Confirm or fail a leased pending trade (once) from its indexed swap or its receipt, or put it back with a delay; '
  'an index settlement whose swap was rolled back meanwhile goes back to pending; a confirmation is checked against '
  'the indexed swap when there is one.';

-- One indexer step (public.apply_market_step), then the transaction facts of its swaps, then the trades of those
-- swaps: pending ones become due now (the confirmer settles them from the index), confirmed ones are checked against
-- the swap. p_batch as apply_market_step's, each trade also carrying router, txFrom, txTo, txValue, txInputHash.
create function public.apply_indexed_step(p_batch jsonb) returns jsonb
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_outcome jsonb;
  v_chain integer := (p_batch ->> 'chainId')::integer;
  r record;
begin
  -- The transactions' locks first, before the step locks anything else: a confirmer settling one of them finishes
  -- (and this step then sees its commit) or waits for this step to commit.
  perform public.lock_trade_tx(v_chain, s.tx)
  from (select distinct lower(x ->> 'txHash') as tx
    from jsonb_array_elements(coalesce(p_batch -> 'trades', '[]'::jsonb)) x order by 1) s;
  v_outcome := public.apply_market_step(p_batch);
  if not (v_outcome ->> 'ok')::boolean then
    return v_outcome;
  end if;
  update public.coin_trades c set router = lower(x ->> 'router'), tx_from = lower(x ->> 'txFrom'),
    tx_to = lower(x ->> 'txTo'), tx_value = (x ->> 'txValue')::numeric, tx_input_hash = lower(x ->> 'txInputHash')
  from jsonb_array_elements(coalesce(p_batch -> 'trades', '[]'::jsonb)) x
  where c.chain_id = v_chain and c.tx_hash = lower(x ->> 'txHash') and c.log_index = (x ->> 'logIndex')::integer
    and c.tx_from is null and x ->> 'txFrom' is not null;
  -- From the step's transactions to their trades (the (chain, tx, buyer) unique index), never a scan of every trade.
  update public.trades t set next_check_at = now()
  from (select distinct lower(x ->> 'txHash') as tx
    from jsonb_array_elements(coalesce(p_batch -> 'trades', '[]'::jsonb)) x) s
  where t.chain_id = v_chain and t.tx_hash = s.tx and t.status = 'pending' and t.next_check_at > now();
  perform public.reconcile_trade_with_index(t.id)
  from (select distinct lower(x ->> 'txHash') as tx
    from jsonb_array_elements(coalesce(p_batch -> 'trades', '[]'::jsonb)) x) s
  join public.trades t on t.chain_id = v_chain and t.tx_hash = s.tx
  where t.status = 'confirmed';
  return v_outcome;
end;
$$;
comment on function public.apply_indexed_step(jsonb) is
  'apply_market_step, then record its swaps'' transaction facts and settle-or-check the reported trades of those '
  'transactions (pending: due now; confirmed: reconciled with the indexed swap), atomically.';

-- A reorg rolled swaps back (rollback_market deletes their rows): a trade confirmed on one of them no longer has a
-- confirmation on chain. It goes back to pending, due now, and is settled again from the new chain (the indexer
-- re-reads the new blocks; until then the receipt path answers).
create function public.unconfirm_rolled_back_trades() returns trigger
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
    index_correction = coalesce(t.index_correction, '{}'::jsonb) || jsonb_build_object('reorged', jsonb_build_object(
      'blockNumber', t.block_number, 'amountOut', t.amount_out::text, 'amountInWei', t.amount_in_wei::text),
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
create trigger coin_trades_unconfirm after delete on public.coin_trades
  referencing old table as removed
  for each statement execute function public.unconfirm_rolled_back_trades();

revoke execute on function public.lock_trade_tx(integer, text), public.indexed_trade_swap(integer, text, text, text),
  public.reconcile_trade_with_index(bigint), public.apply_indexed_step(jsonb),
  public.unconfirm_rolled_back_trades()
  from public, anon, authenticated;
grant execute on function public.lock_trade_tx(integer, text), public.indexed_trade_swap(integer, text, text, text),
  public.reconcile_trade_with_index(bigint), public.apply_indexed_step(jsonb),
  public.unconfirm_rolled_back_trades()
  to service_role;
