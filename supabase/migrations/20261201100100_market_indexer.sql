-- The chain indexer's operations (src/market): what to follow, applying a step of logs atomically (fenced by the
-- indexer's lease and by compare-and-set on its cursors, so two instances can never apply a range twice or skip one),
-- rolling back orphaned blocks, the market columns of performance_coins, and the public reads for charts and trades.

-- The leader's heartbeat on an exclusive job's lease: extend it only while p_holder still holds it unexpired.
create function public.renew_job_lease(p_name text, p_holder text, p_seconds integer) returns boolean
language sql
set search_path = public, pg_temp
as $$
  with renewed as (
    update public.job_leases l set expires_at = now() + make_interval(secs => greatest(1, p_seconds))
    where l.name = p_name and l.holder = p_holder and l.expires_at > now()
    returning 1
  )
  select exists (select 1 from renewed)
$$;
comment on function public.renew_job_lease(text, text, integer) is
  'Heartbeat of an exclusive job''s lease: extend p_holder''s unexpired lease to now() + p_seconds; false when lost.';

-- What the indexer follows on a chain: its cursor and every coin of that chain with its pool and its own cursor.
create function public.market_state(p_chain_id integer) returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'cursor', (select jsonb_build_object('blockNumber', m.block_number, 'blockHash', m.block_hash)
      from public.market_cursors m where m.chain_id = p_chain_id),
    'coins', coalesce((
      select jsonb_agg(jsonb_build_object(
        'coinAddress', c.coin_address, 'poolId', c.pool_id, 'poolKey', c.pool_key, 'createdBlock', c.block_number,
        'indexedBlock', k.block_number) order by c.coin_address)
      from public.performance_coins c
      left join public.market_coin_cursors k on k.coin_address = c.coin_address
      where c.chain_id = p_chain_id), '[]'::jsonb))
$$;
comment on function public.market_state(integer) is
  'The indexer''s input for a chain: its cursor ({blockNumber, blockHash} or null) and each coin with pool id, pool '
  'key, creation block and the block its logs are applied through (null: never).';

-- Stored block hashes at or below p_below, newest first: the candidates for a reorg's fork point.
create function public.market_recent_blocks(p_chain_id integer, p_below bigint, p_limit integer) returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  select coalesce(jsonb_agg(jsonb_build_object('number', b.block_number, 'hash', b.block_hash)
    order by b.block_number desc), '[]'::jsonb)
  from (
    select block_number, block_hash from public.market_blocks
    where chain_id = p_chain_id and block_number <= p_below
    order by block_number desc limit greatest(1, least(p_limit, 1000))
  ) b
$$;
comment on function public.market_recent_blocks(integer, bigint, integer) is
  'Stored hashes of applied blocks at or below p_below, newest first (at most p_limit, 1000).';

-- Recompute one coin's market columns as of a block (number and time) and write them only when a value changed.
create function public.refresh_coin_market(p_coin text, p_block bigint, p_at timestamptz) returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  c public.performance_coins%rowtype;
  v_last public.coin_trades%rowtype;
  v_ref numeric;
  v_volume numeric;
  v_holders integer;
  v_supply numeric;
  v_cap numeric;
  v_change numeric;
  v_since timestamptz := p_at - interval '24 hours';
begin
  select * into c from public.performance_coins where coin_address = p_coin for update;
  if not found then
    return false;
  end if;
  select * into v_last from public.coin_trades where coin_address = p_coin
    order by block_number desc, log_index desc limit 1;
  select coalesce(sum(eth_amount), 0) into v_volume from public.coin_trades
    where coin_address = p_coin and block_time > v_since;
  select coalesce(
    (select price_wei from public.coin_trades where coin_address = p_coin and block_time <= v_since
      order by block_number desc, log_index desc limit 1),
    (select price_wei from public.coin_trades where coin_address = p_coin and block_time > v_since
      order by block_number, log_index limit 1)) into v_ref;
  select count(*) into v_holders from public.coin_balances where coin_address = p_coin and balance > 0;
  select total_supply into v_supply from public.market_coin_cursors where coin_address = p_coin;
  v_cap := case when v_last.id is null then null else div(v_last.price_wei * coalesce(v_supply, 0), 1e18) end;
  v_change := case when v_last.id is null or v_ref is null or v_ref = 0 then null
    else round((v_last.price_wei - v_ref) * 100 / v_ref, 4) end;
  if c.market_block is not null
    and c.price_wei is not distinct from v_last.price_wei
    and c.market_cap_wei is not distinct from v_cap
    and c.volume_24h_wei is not distinct from v_volume
    and c.change_24h is not distinct from v_change
    and c.holders is not distinct from v_holders
    and c.last_trade_at is not distinct from v_last.block_time then
    return false;
  end if;
  update public.performance_coins set
    price_wei = v_last.price_wei,
    price = trim_scale(v_last.price_wei * 0.000000000000000001),
    market_cap_wei = v_cap,
    volume_24h_wei = v_volume,
    change_24h = v_change,
    holders = v_holders,
    last_trade_at = v_last.block_time,
    market_block = p_block
  where coin_address = p_coin;
  return true;
end;
$$;
comment on function public.refresh_coin_market(text, bigint, timestamptz) is
  'Recompute a coin''s market columns (last price, cap, 24 h volume and change before p_at, holders) and update the '
  'row only when one of them changed (market_block is the block of that change); true when it wrote.';

-- Recompute the candles of the given buckets ([{coin, interval, start}]) from the trades that remain.
create function public.rebuild_coin_candles(p_buckets jsonb) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  delete from public.coin_candles c
  using (select distinct b ->> 'coin' as coin, b ->> 'interval' as iv, (b ->> 'start')::timestamptz as start
    from jsonb_array_elements(p_buckets) b) w
  where c.coin_address = w.coin and c.interval = w.iv and c.bucket_start = w.start;
  insert into public.coin_candles (chain_id, coin_address, interval, bucket_start, open_wei, high_wei, low_wei,
    close_wei, volume_wei, trades, open_block, open_log_index, close_block, close_log_index)
  select t.chain_id, t.coin_address, w.iv, w.start,
    (array_agg(t.price_wei order by t.block_number, t.log_index))[1],
    max(t.price_wei), min(t.price_wei),
    (array_agg(t.price_wei order by t.block_number desc, t.log_index desc))[1],
    sum(t.eth_amount), count(*),
    (array_agg(t.block_number order by t.block_number, t.log_index))[1],
    (array_agg(t.log_index order by t.block_number, t.log_index))[1],
    (array_agg(t.block_number order by t.block_number desc, t.log_index desc))[1],
    (array_agg(t.log_index order by t.block_number desc, t.log_index desc))[1]
  from (select distinct b ->> 'coin' as coin, b ->> 'interval' as iv, (b ->> 'start')::timestamptz as start
    from jsonb_array_elements(p_buckets) b) w
  join public.coin_trades t on t.coin_address = w.coin
    and date_trunc(case w.iv when '1m' then 'minute' when '1h' then 'hour' else 'day' end, t.block_time, 'UTC')
      = w.start
  group by t.chain_id, t.coin_address, w.iv, w.start;
end;
$$;
comment on function public.rebuild_coin_candles(jsonb) is
  'Recompute candles [{coin, interval, start}] from the remaining trades (after a rollback); empty buckets vanish.';

-- Apply one step of the indexer atomically. p_batch: {chainId, holder, lease, chain: {expected} | null,
-- coins: [{address, expected}], toBlock, toHash, toTime, blocks: [{number, hash, time}],
-- trades: [{coinAddress, txHash, logIndex, blockNumber, blockHash, trader, side, coinAmount, ethAmount, priceWei,
-- sqrtPriceX96}], transfers: [{coinAddress, txHash, logIndex, blockNumber, blockHash, from, to, amount}]}.
-- Refused without a change ({ok: false, reason}) when the lease is not the caller's ('lease_lost') or a cursor is not
-- where the caller read it ('stale': another instance moved it). Rows already applied are skipped by their
-- (chain, tx, log index), so a repeated step changes nothing.
create function public.apply_market_step(p_batch jsonb) returns jsonb
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chain integer := (p_batch ->> 'chainId')::integer;
  v_to bigint := (p_batch ->> 'toBlock')::bigint;
  v_to_hash text := lower(p_batch ->> 'toHash');
  v_to_time timestamptz := (p_batch ->> 'toTime')::timestamptz;
  v_trades integer := 0;
  v_transfers integer := 0;
  v_changed integer := 0;
  v_coin record;
  v_expected bigint;
  v_current bigint;
begin
  if not exists (
    select 1 from public.job_leases l
    where l.name = p_batch ->> 'lease' and l.holder = p_batch ->> 'holder' and l.expires_at > now()
    for update
  ) then
    return jsonb_build_object('ok', false, 'reason', 'lease_lost');
  end if;

  if p_batch -> 'chain' is not null and jsonb_typeof(p_batch -> 'chain') = 'object' then
    v_expected := (p_batch -> 'chain' ->> 'expected')::bigint;
    select block_number into v_current from public.market_cursors where chain_id = v_chain for update;
    if v_current is distinct from v_expected then
      return jsonb_build_object('ok', false, 'reason', 'stale');
    end if;
  end if;
  for v_coin in
    select lower(e ->> 'address') as address, (e ->> 'expected')::bigint as expected
    from jsonb_array_elements(coalesce(p_batch -> 'coins', '[]'::jsonb)) e
  loop
    v_current := null;
    select block_number into v_current from public.market_coin_cursors where coin_address = v_coin.address for update;
    if v_current is distinct from v_coin.expected then
      return jsonb_build_object('ok', false, 'reason', 'stale');
    end if;
  end loop;

  insert into public.market_blocks (chain_id, block_number, block_hash, block_time)
  select v_chain, (b ->> 'number')::bigint, lower(b ->> 'hash'), (b ->> 'time')::timestamptz
  from jsonb_array_elements(coalesce(p_batch -> 'blocks', '[]'::jsonb)) b
  on conflict (chain_id, block_number) do update set block_hash = excluded.block_hash,
    block_time = excluded.block_time;

  with incoming as (
    select lower(x ->> 'coinAddress') as coin, lower(x ->> 'txHash') as tx, (x ->> 'logIndex')::integer as li,
      (x ->> 'blockNumber')::bigint as bn, lower(x ->> 'blockHash') as bh, lower(x ->> 'from') as f,
      lower(x ->> 'to') as t, (x ->> 'amount')::numeric as amount
    from jsonb_array_elements(coalesce(p_batch -> 'transfers', '[]'::jsonb)) x
  ), inserted as (
    insert into public.coin_transfers (chain_id, coin_address, tx_hash, log_index, block_number, block_hash,
      from_address, to_address, amount)
    select v_chain, coin, tx, li, bn, bh, f, t, amount from incoming
    on conflict (chain_id, tx_hash, log_index) do nothing
    returning coin_address, from_address, to_address, amount, block_number
  ), deltas as (
    select coin_address, to_address as holder, amount as delta, block_number from inserted
    union all
    select coin_address, from_address, -amount, block_number from inserted
  ), per_holder as (
    select coin_address, holder, sum(delta) as delta, max(block_number) as bn from deltas
    where holder <> '0x0000000000000000000000000000000000000000'
    group by coin_address, holder
  ), updated as (
    -- Existing holders are updated, new ones inserted: an upsert would check a negative delta against the
    -- non-negative balance constraint before resolving the conflict.
    update public.coin_balances b set balance = b.balance + p.delta, updated_block = greatest(b.updated_block, p.bn)
    from per_holder p where b.coin_address = p.coin_address and b.holder = p.holder
    returning 1
  ), balances as (
    insert into public.coin_balances (chain_id, coin_address, holder, balance, updated_block)
    select v_chain, p.coin_address, p.holder, p.delta, p.bn from per_holder p
    where not exists (select 1 from public.coin_balances b where b.coin_address = p.coin_address and b.holder = p.holder)
    returning 1
  ), supply as (
    select coin_address,
      sum(case when from_address = '0x0000000000000000000000000000000000000000' then amount else 0 end)
      - sum(case when to_address = '0x0000000000000000000000000000000000000000' then amount else 0 end) as delta
    from inserted group by coin_address
  ), supplied as (
    insert into public.market_coin_cursors as k (coin_address, chain_id, block_number, total_supply)
    select coin_address, v_chain, 0, delta from supply
    on conflict (coin_address) do update set total_supply = k.total_supply + excluded.total_supply
    returning 1
  )
  select (select count(*) from inserted) + 0 * (select count(*) from balances) + 0 * (select count(*) from updated)
    + 0 * (select count(*) from supplied)
  into v_transfers;

  with incoming as (
    select lower(x ->> 'coinAddress') as coin, lower(x ->> 'txHash') as tx, (x ->> 'logIndex')::integer as li,
      (x ->> 'blockNumber')::bigint as bn, lower(x ->> 'blockHash') as bh, lower(x ->> 'trader') as trader,
      x ->> 'side' as side, (x ->> 'coinAmount')::numeric as coin_amount, (x ->> 'ethAmount')::numeric as eth_amount,
      (x ->> 'priceWei')::numeric as price_wei, (x ->> 'sqrtPriceX96')::numeric as sqrt_price
    from jsonb_array_elements(coalesce(p_batch -> 'trades', '[]'::jsonb)) x
  ), inserted as (
    insert into public.coin_trades (chain_id, coin_address, performance_id, tx_hash, log_index, block_number,
      block_hash, block_time, trader, side, coin_amount, eth_amount, price_wei, sqrt_price_x96, trade_id)
    select v_chain, i.coin, c.performance_id, i.tx, i.li, i.bn, i.bh, b.block_time, i.trader, i.side, i.coin_amount,
      i.eth_amount, i.price_wei, i.sqrt_price,
      (select r.id from public.trades r where r.chain_id = v_chain and r.tx_hash = i.tx and r.coin_address = i.coin
        and r.buyer = i.trader and i.side = 'buy' order by r.id limit 1)
    from incoming i
    join public.performance_coins c on c.coin_address = i.coin
    join public.market_blocks b on b.chain_id = v_chain and b.block_number = i.bn
    on conflict (chain_id, tx_hash, log_index) do nothing
    returning *
  ), bucketed as (
    select i.*, iv.iv,
      date_trunc(case iv.iv when '1m' then 'minute' when '1h' then 'hour' else 'day' end, i.block_time, 'UTC')
        as bucket_start
    from inserted i cross join (values ('1m'), ('1h'), ('1d')) iv(iv)
  ), grouped as (
    select chain_id, coin_address, iv, bucket_start,
      (array_agg(price_wei order by block_number, log_index))[1] as open_wei,
      max(price_wei) as high_wei, min(price_wei) as low_wei,
      (array_agg(price_wei order by block_number desc, log_index desc))[1] as close_wei,
      sum(eth_amount) as volume_wei, count(*)::integer as trades,
      (array_agg(block_number order by block_number, log_index))[1] as ob,
      (array_agg(log_index order by block_number, log_index))[1] as ol,
      (array_agg(block_number order by block_number desc, log_index desc))[1] as cb,
      (array_agg(log_index order by block_number desc, log_index desc))[1] as cl
    from bucketed group by chain_id, coin_address, iv, bucket_start
  ), candles as (
    insert into public.coin_candles as c (chain_id, coin_address, interval, bucket_start, open_wei, high_wei,
      low_wei, close_wei, volume_wei, trades, open_block, open_log_index, close_block, close_log_index)
    select chain_id, coin_address, iv, bucket_start, open_wei, high_wei, low_wei, close_wei, volume_wei, trades,
      ob, ol, cb, cl from grouped
    on conflict (coin_address, interval, bucket_start) do update set
      open_wei = case when (excluded.open_block, excluded.open_log_index) < (c.open_block, c.open_log_index)
        then excluded.open_wei else c.open_wei end,
      open_block = least(c.open_block, excluded.open_block),
      open_log_index = case when (excluded.open_block, excluded.open_log_index) < (c.open_block, c.open_log_index)
        then excluded.open_log_index else c.open_log_index end,
      close_wei = case when (excluded.close_block, excluded.close_log_index) > (c.close_block, c.close_log_index)
        then excluded.close_wei else c.close_wei end,
      close_log_index = case
        when (excluded.close_block, excluded.close_log_index) > (c.close_block, c.close_log_index)
        then excluded.close_log_index else c.close_log_index end,
      close_block = greatest(c.close_block, excluded.close_block),
      high_wei = greatest(c.high_wei, excluded.high_wei),
      low_wei = least(c.low_wei, excluded.low_wei),
      volume_wei = c.volume_wei + excluded.volume_wei,
      trades = c.trades + excluded.trades
    returning 1
  )
  select (select count(*) from inserted) + 0 * (select count(*) from candles) into v_trades;

  if p_batch -> 'chain' is not null and jsonb_typeof(p_batch -> 'chain') = 'object' then
    insert into public.market_cursors as m (chain_id, block_number, block_hash)
    values (v_chain, v_to, v_to_hash)
    on conflict (chain_id) do update set block_number = excluded.block_number, block_hash = excluded.block_hash,
      updated_at = now();
    delete from public.market_blocks where chain_id = v_chain and block_number < v_to - 4096;
  end if;
  insert into public.market_coin_cursors as k (coin_address, chain_id, block_number)
  select lower(e ->> 'address'), v_chain, v_to from jsonb_array_elements(coalesce(p_batch -> 'coins', '[]'::jsonb)) e
  on conflict (coin_address) do update set block_number = excluded.block_number, updated_at = now();

  -- Markets move with trades and transfers, and with time (the 24 h window): refresh the coins stepped whose numbers
  -- can have changed.
  select count(*) into v_changed
  from (
    select public.refresh_coin_market(c.coin_address, v_to, v_to_time) as wrote
    from public.performance_coins c
    where c.coin_address in (select lower(e ->> 'address') from jsonb_array_elements(coalesce(p_batch -> 'coins',
      '[]'::jsonb)) e)
      and (c.market_block is null or coalesce(c.volume_24h_wei, 0) > 0
        or c.coin_address in (select lower(x ->> 'coinAddress') from jsonb_array_elements(
          coalesce(p_batch -> 'trades', '[]'::jsonb) || coalesce(p_batch -> 'transfers', '[]'::jsonb)) x))
  ) r where r.wrote;

  return jsonb_build_object('ok', true, 'trades', v_trades, 'transfers', v_transfers, 'marketsChanged', v_changed);
end;
$$;
comment on function public.apply_market_step(jsonb) is
  'Apply one indexer step atomically: block hashes, transfers into balances and supply, swaps into trades (linked to '
  'reported trades) and candles, cursors, then changed market columns; refused while the lease or a cursor is not '
  'the caller''s; rows already applied are skipped.';

-- Undo everything applied from blocks above p_fork (a reorg orphaned them): transfers out of the balances and the
-- supply, trades out of their candles, block hashes, and every cursor back to p_fork.
create function public.rollback_market(p_chain_id integer, p_holder text, p_lease text, p_fork bigint) returns jsonb
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_hash text;
  v_time timestamptz;
  v_trades integer;
  v_transfers integer;
  v_buckets jsonb;
  v_coins text[];
begin
  if not exists (
    select 1 from public.job_leases l
    where l.name = p_lease and l.holder = p_holder and l.expires_at > now()
    for update
  ) then
    return jsonb_build_object('ok', false, 'reason', 'lease_lost');
  end if;
  select block_hash, block_time into v_hash, v_time from public.market_blocks
    where chain_id = p_chain_id and block_number = p_fork;
  if v_hash is null then
    return jsonb_build_object('ok', false, 'reason', 'unknown_fork');
  end if;
  perform 1 from public.market_cursors where chain_id = p_chain_id for update;

  with removed as (
    delete from public.coin_transfers where chain_id = p_chain_id and block_number > p_fork
    returning coin_address, from_address, to_address, amount
  ), deltas as (
    select coin_address, to_address as holder, -amount as delta from removed
    union all
    select coin_address, from_address, amount from removed
  ), per_holder as (
    select coin_address, holder, sum(delta) as delta from deltas
    where holder <> '0x0000000000000000000000000000000000000000' group by coin_address, holder
  ), balances as (
    update public.coin_balances b set balance = b.balance + p.delta, updated_block = least(b.updated_block, p_fork)
    from per_holder p where b.coin_address = p.coin_address and b.holder = p.holder
    returning 1
  ), supply as (
    select coin_address,
      sum(case when to_address = '0x0000000000000000000000000000000000000000' then amount else 0 end)
      - sum(case when from_address = '0x0000000000000000000000000000000000000000' then amount else 0 end) as delta
    from removed group by coin_address
  ), supplied as (
    update public.market_coin_cursors k set total_supply = k.total_supply + s.delta
    from supply s where k.coin_address = s.coin_address
    returning 1
  )
  select (select count(*) from removed) + 0 * (select count(*) from balances) + 0 * (select count(*) from supplied),
    (select array_agg(distinct coin_address) from removed)
  into v_transfers, v_coins;

  with removed as (
    delete from public.coin_trades where chain_id = p_chain_id and block_number > p_fork
    returning coin_address, block_time
  )
  select count(*), coalesce(jsonb_agg(distinct jsonb_build_object('coin', r.coin_address, 'interval', iv.iv,
      'start', date_trunc(case iv.iv when '1m' then 'minute' when '1h' then 'hour' else 'day' end, r.block_time,
        'UTC'))) filter (where r.coin_address is not null), '[]'::jsonb),
    array_cat(v_coins, array_agg(distinct r.coin_address))
  into v_trades, v_buckets, v_coins
  from removed r cross join (values ('1m'), ('1h'), ('1d')) iv(iv);
  v_trades := v_trades / 3;
  perform public.rebuild_coin_candles(v_buckets);

  delete from public.market_blocks where chain_id = p_chain_id and block_number > p_fork;
  update public.market_cursors set block_number = p_fork, block_hash = v_hash, updated_at = now()
    where chain_id = p_chain_id and block_number > p_fork;
  update public.market_coin_cursors set block_number = p_fork, updated_at = now()
    where chain_id = p_chain_id and block_number > p_fork;
  perform public.refresh_coin_market(c, p_fork, v_time) from unnest(v_coins) c where c is not null;
  return jsonb_build_object('ok', true, 'trades', v_trades, 'transfers', v_transfers);
end;
$$;
comment on function public.rollback_market(integer, text, text, bigint) is
  'Reorg rollback: undo the transfers (balances, supply), trades (candles rebuilt) and block hashes above p_fork and '
  'move every cursor back to it; refused unless p_holder holds the lease p_lease; p_fork must be a stored block.';

-- A reported trade links the swap the indexer may already have seen (the indexer links the other order itself).
create function public.link_reported_trade() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
begin
  update public.coin_trades set trade_id = new.id
  where chain_id = new.chain_id and tx_hash = new.tx_hash and coin_address = new.coin_address
    and trader = new.buyer and side = 'buy' and trade_id is null;
  return null;
end;
$$;
comment on function public.link_reported_trade() is
  'After a trade is reported: link the indexed buy of the same chain, transaction, coin and buyer to it.';
create trigger trades_link_coin_trade after insert on public.trades
  for each row execute function public.link_reported_trade();

-- Candles of a visible coin for charts: null when no visible performance has the coin.
create function public.coin_candles_page(p_coin text, p_interval text, p_from timestamptz, p_to timestamptz,
  p_limit integer)
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  select case when c.coin_address is null then null else jsonb_build_object(
    'coinAddress', c.coin_address, 'interval', p_interval,
    'candles', coalesce((
      select jsonb_agg(jsonb_build_object('start', k.bucket_start, 'openWei', k.open_wei::text,
        'highWei', k.high_wei::text, 'lowWei', k.low_wei::text, 'closeWei', k.close_wei::text,
        'volumeWei', k.volume_wei::text, 'trades', k.trades) order by k.bucket_start)
      from (
        select * from public.coin_candles k
        where k.coin_address = c.coin_address and k.interval = p_interval
          and (p_from is null or k.bucket_start >= p_from) and (p_to is null or k.bucket_start < p_to)
        order by k.bucket_start desc limit greatest(1, least(p_limit, 1000))
      ) k), '[]'::jsonb)) end
  from (select 1) one
  left join (
    select pc.coin_address from public.performance_coins pc
    join public.performances p on p.id = pc.performance_id and p.deleted_at is null
    where pc.coin_address = lower(p_coin)
  ) c on true
$$;
comment on function public.coin_candles_page(text, text, timestamptz, timestamptz, integer) is
  'OHLC candles of a visible coin in [p_from, p_to) (the newest p_limit, oldest first), or null for an unknown coin.';

-- Trades of a visible coin, newest first, keyset-paged by (block, log index): null for an unknown coin.
create function public.coin_trades_page(p_coin text, p_limit integer, p_cursor jsonb default null)
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  with coin as (
    select pc.coin_address from public.performance_coins pc
    join public.performances p on p.id = pc.performance_id and p.deleted_at is null
    where pc.coin_address = lower(p_coin)
  ), page as (
    select t.*, row_number() over (order by t.block_number desc, t.log_index desc) as n
    from (
      select t.* from public.coin_trades t join coin on coin.coin_address = t.coin_address
      where p_cursor is null
        or (t.block_number, t.log_index) < ((p_cursor ->> 'b')::bigint, (p_cursor ->> 'l')::integer)
      order by t.block_number desc, t.log_index desc
      limit greatest(1, least(p_limit, 100)) + 1
    ) t
  )
  select case when not exists (select 1 from coin) then null else jsonb_build_object(
    'coinAddress', (select coin_address from coin),
    'items', coalesce((select jsonb_agg(jsonb_build_object('txHash', tx_hash, 'logIndex', log_index,
        'blockNumber', block_number, 'blockTime', block_time, 'trader', trader, 'side', side,
        'coinAmount', coin_amount::text, 'ethAmount', eth_amount::text, 'priceWei', price_wei::text) order by n)
      from page where n <= greatest(1, least(p_limit, 100))), '[]'::jsonb),
    'nextCursor', (select jsonb_build_object('b', block_number, 'l', log_index) from page
      where n = greatest(1, least(p_limit, 100)) and exists (select 1 from page where n > greatest(1, least(p_limit, 100)))))
  end
$$;
comment on function public.coin_trades_page(text, integer, jsonb) is
  'A page of a visible coin''s swaps, newest first, keyset-paged by {b: block, l: log index}; null for an unknown coin.';

-- The coin of the performance JSON gains its market (null until the indexer reached the coin).
create or replace function public.viral_json(p_performance_id uuid, p_likes integer, p_recasts integer,
  p_replies integer, p_views integer)
returns jsonb
language sql stable security definer
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'viral', jsonb_build_object(
      'score', round(coalesce(s.score, 0)::numeric, 3),
      'threshold', p.threshold,
      'components', jsonb_build_object(
        'likes', jsonb_build_object('count', p_likes, 'contribution', round(coalesce(s.likes, 0)::numeric, 3)),
        'recasts', jsonb_build_object('count', p_recasts, 'contribution', round(coalesce(s.recasts, 0)::numeric, 3)),
        'replies', jsonb_build_object('count', p_replies, 'contribution', round(coalesce(s.replies, 0)::numeric, 3)),
        'views', jsonb_build_object('count', p_views, 'contribution', round(coalesce(s.views, 0)::numeric, 3)),
        'uniqueEngagers', jsonb_build_object('count', coalesce(a.engagers, 0),
          'contribution', round(coalesce(s.engagers, 0)::numeric, 3))),
      'minUniqueEngagers', p.min_unique_engagers,
      'halfLifeHours', p.half_life_hours,
      'status', case q.status
        when 'pending' then 'queued'
        when 'submitting' then 'creating'
        when 'submitted' then 'creating'
        when 'confirmed' then 'coined'
        when 'failed' then 'failed'
        else 'tracking' end),
    'coin', case when c.id is null then null else jsonb_build_object(
      'address', c.coin_address, 'symbol', c.symbol, 'name', c.name, 'txHash', c.tx_hash, 'poolId', c.pool_id,
      'createdAt', c.created_at,
      'market', case when c.market_block is null then null else jsonb_build_object(
        'priceWei', c.price_wei::text, 'price', c.price::text, 'marketCapWei', c.market_cap_wei::text,
        'volume24hWei', c.volume_24h_wei::text, 'change24h', c.change_24h, 'holders', c.holders,
        'lastTradeAt', c.last_trade_at, 'blockNumber', c.market_block) end) end
  )
  from public.viral_params p
  left join public.viral_aggregates a on a.performance_id = p_performance_id
  left join lateral public.viral_score(a.likes_s, a.recasts_s, a.replies_s, a.views_s, a.engagers_s, a.ref_at, now(), p)
    s on true
  left join public.viral_queue q on q.performance_id = p_performance_id
  left join public.performance_coins c on c.performance_id = p_performance_id
$$;

revoke execute on function public.renew_job_lease(text, text, integer), public.market_state(integer),
  public.market_recent_blocks(integer, bigint, integer), public.refresh_coin_market(text, bigint, timestamptz),
  public.rebuild_coin_candles(jsonb), public.apply_market_step(jsonb),
  public.rollback_market(integer, text, text, bigint), public.link_reported_trade(),
  public.coin_candles_page(text, text, timestamptz, timestamptz,
    integer), public.coin_trades_page(text, integer, jsonb)
  from public, anon, authenticated;
grant execute on function public.renew_job_lease(text, text, integer), public.market_state(integer),
  public.market_recent_blocks(integer, bigint, integer), public.refresh_coin_market(text, bigint, timestamptz),
  public.rebuild_coin_candles(jsonb), public.apply_market_step(jsonb),
  public.rollback_market(integer, text, text, bigint), public.link_reported_trade(),
  public.coin_candles_page(text, text, timestamptz, timestamptz,
    integer), public.coin_trades_page(text, integer, jsonb)
  to service_role;
