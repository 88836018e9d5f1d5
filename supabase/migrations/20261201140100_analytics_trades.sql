-- Trades and holders in the analytics rollups, the buyers in the funnel, and the supporters an artist wants to see:
-- the earliest engagers who later bought, and the biggest holders.

-- A rolled-back swap subtracts its volume through the same upsert, whose proposed row is checked before it meets
-- the existing one: the rollup's volume may not carry a sign check.
alter table public.performance_activity drop constraint performance_activity_volume_wei_check;

-- Each indexed swap counts in the hour of its block; a swap rolled back by a reorg is taken out the same way.
create function public.roll_up_coin_trade() returns trigger
language plpgsql
as $$
declare
  t public.coin_trades := case when tg_op = 'DELETE' then old else new end;
  v_sign integer := case when tg_op = 'DELETE' then -1 else 1 end;
  v_cast text;
begin
  select p.cast_hash into v_cast from public.performances p where p.id = t.performance_id;
  if v_cast is not null then
    perform public.add_performance_activity(
      v_cast, t.block_time, 0, 0, 0, 0,
      v_sign * (t.side = 'buy')::integer, v_sign * (t.side = 'sell')::integer, v_sign * t.eth_amount, 0
    );
  end if;
  return null;
end;
$$;
comment on function public.roll_up_coin_trade() is
  'Trigger: count an indexed swap (or take back a rolled-back one) in the hourly rollup of its block''s hour.';

create trigger coin_trades_roll_up after insert or delete on public.coin_trades
  for each row execute function public.roll_up_coin_trade();

-- A holder appears when a balance becomes positive and leaves when it returns to zero; the change counts in the hour
-- of the block that caused it (its time from market_blocks; the current hour when that block is not recorded).
create function public.roll_up_holder_change() returns trigger
language plpgsql
as $$
declare
  v_before boolean := tg_op = 'UPDATE' and old.balance > 0;
  v_after boolean := tg_op <> 'DELETE' and new.balance > 0;
  v_row public.coin_balances := case when tg_op = 'DELETE' then old else new end;
  v_cast text;
  v_at timestamptz;
begin
  if tg_op = 'DELETE' then
    v_before := old.balance > 0;
  end if;
  if v_before = v_after then
    return null;
  end if;
  select p.cast_hash into v_cast
  from public.performance_coins c join public.performances p on p.id = c.performance_id
  where c.coin_address = v_row.coin_address;
  select b.block_time into v_at from public.market_blocks b
  where b.chain_id = v_row.chain_id and b.block_number = v_row.updated_block;
  if v_cast is not null then
    perform public.add_performance_activity(
      v_cast, coalesce(v_at, now()), 0, 0, 0, 0, 0, 0, 0, case when v_after then 1 else -1 end
    );
  end if;
  return null;
end;
$$;
comment on function public.roll_up_holder_change() is
  'Trigger: count a holder arriving (balance 0 to positive) or leaving in the hourly rollup.';

create trigger coin_balances_roll_up after insert or update of balance or delete on public.coin_balances
  for each row execute function public.roll_up_holder_change();

-- Trades and holders indexed before this migration: into the rollups once.
insert into public.performance_activity as a (cast_hash, bucket_start, buys, sells, volume_wei)
select p.cast_hash, date_trunc('hour', t.block_time, 'UTC'), count(*) filter (where t.side = 'buy'),
  count(*) filter (where t.side = 'sell'), sum(t.eth_amount)
from public.coin_trades t join public.performances p on p.id = t.performance_id
group by 1, 2
on conflict (cast_hash, bucket_start) do update set
  buys = a.buys + excluded.buys, sells = a.sells + excluded.sells, volume_wei = a.volume_wei + excluded.volume_wei;
insert into public.performance_activity as a (cast_hash, bucket_start, holders_delta)
select p.cast_hash, date_trunc('hour', now(), 'UTC'), count(*)
from public.coin_balances b
join public.performance_coins c on c.coin_address = b.coin_address
join public.performances p on p.id = c.performance_id
where b.balance > 0
group by 1
on conflict (cast_hash, bucket_start) do update set holders_delta = a.holders_delta + excluded.holders_delta;

-- Finding the fid behind an address (supporters) and the earliest engagers of a performance without scans.
create index users_verified_addresses_idx on public.users using gin (verified_eth_addresses);
create index users_custody_address_idx on public.users (custody_address) where custody_address is not null;
create index users_primary_address_idx on public.users (primary_eth_address) where primary_eth_address is not null;
create index viral_engagers_earliest_idx on public.viral_engagers (cast_hash, engaged_at, fid);
create index coin_trades_buyers_idx on public.coin_trades (coin_address, trader) where side = 'buy';

-- The fid (and name) whose custody, primary or verified address this is, if any.
create function public.user_of_address(p_address text)
returns table (fid bigint, username text)
language sql stable
as $$
  -- Three index lookups (custody, primary, the verified-address GIN index), not one OR that walks the fid index.
  select x.fid, x.username from (
    select u.farcaster_fid as fid, u.username from public.users u where u.custody_address = p_address
    union all
    select u.farcaster_fid, u.username from public.users u where u.primary_eth_address = p_address
    union all
    select u.farcaster_fid, u.username from public.users u where u.verified_eth_addresses @> array[p_address]
  ) x
  order by x.fid
  limit 1
$$;
comment on function public.user_of_address(text) is
  'Identity bridge, reverse: the Farcaster user an Ethereum address belongs to (custody, primary or verified).';

-- Supporters of one performance: engagers (earliest first) whose addresses bought its coin after they engaged, and
-- the biggest holders with their Farcaster name when the address is known. Only index probes: the earliest
-- engagers are walked in order (at most the first 5,000 of them, so the cost is bounded whatever the size of the
-- performance), each with one lookup per address in the coin's buys; the holders are the top of the balance index.
create function public.performance_supporters(p_cast_hash text, p_limit integer default 10)
returns jsonb
language plpgsql stable
as $$
declare
  v_coin text;
  v_early jsonb;
  v_holders jsonb;
begin
  select c.coin_address into v_coin
  from public.performance_coins c join public.performances p on p.id = c.performance_id
  where p.cast_hash = p_cast_hash;
  if v_coin is null then
    return jsonb_build_object('earlyBuyers', '[]'::jsonb, 'biggestHolders', '[]'::jsonb);
  end if;
  select jsonb_agg(jsonb_build_object('fid', x.fid, 'username', x.username, 'engagedAt', x.engaged_at,
      'firstBuyAt', x.first_buy_at) order by x.engaged_at, x.fid)
  into v_early
  from (
    select e.fid, u.username, e.engaged_at, f.first_buy_at
    from (
      select g.fid, g.engaged_at from public.viral_engagers g
      where g.cast_hash = p_cast_hash and (g.like_at is not null or g.recast_at is not null or g.replies > 0)
      order by g.engaged_at, g.fid
      limit 5000
    ) e
    join public.users u on u.farcaster_fid = e.fid
    cross join lateral (
      select min(t.block_time) as first_buy_at
      from unnest(u.verified_eth_addresses || array[u.custody_address, u.primary_eth_address]) a (address)
      join public.coin_trades t on t.coin_address = v_coin and t.side = 'buy' and t.trader = a.address
      where t.block_time >= e.engaged_at
    ) f
    where f.first_buy_at is not null
    order by e.engaged_at, e.fid
    limit p_limit
  ) x;
  select jsonb_agg(jsonb_build_object('address', h.holder, 'balance', h.balance::text, 'fid', o.fid,
      'username', o.username) order by h.balance desc, h.holder)
  into v_holders
  from (
    select b.holder, b.balance from public.coin_balances b
    where b.coin_address = v_coin and b.balance > 0
    order by b.balance desc, b.holder
    limit p_limit
  ) h
  left join lateral public.user_of_address(h.holder) o on true;
  return jsonb_build_object('earlyBuyers', coalesce(v_early, '[]'::jsonb),
    'biggestHolders', coalesce(v_holders, '[]'::jsonb));
end;
$$;
comment on function public.performance_supporters(text, integer) is
  'Analytics: earliest engagers (of the first 5,000) who later bought the coin, and the biggest holders.';

create or replace function public.performance_analytics(
  p_cast_hash text, p_bucket text, p_from timestamptz, p_to timestamptz
) returns jsonb
language plpgsql stable
as $$
declare
  v public.performance_view;
  v_coin text;
begin
  if p_bucket not in ('hour', 'day') then
    raise exception 'bucket must be hour or day' using errcode = '22023';
  end if;
  select * into v from public.performance_view where cast_hash = p_cast_hash;
  if not found then
    return null;
  end if;
  select c.coin_address into v_coin from public.performance_coins c where c.performance_id = v.id;
  return jsonb_build_object(
    'castHash', v.cast_hash,
    'title', v.title,
    'coinAddress', v_coin,
    'bucket', p_bucket,
    'from', date_trunc(p_bucket, p_from, 'UTC'),
    'to', p_to,
    'buckets', public.activity_buckets(array[v.cast_hash], p_bucket, p_from, p_to),
    'totals', jsonb_build_object('likes', v.likes, 'recasts', v.recasts, 'replies', v.replies, 'views', v.views),
    'funnel', jsonb_build_object(
      'viewers', v.views,
      'engagers', coalesce((select g.engagers from public.viral_aggregates g where g.cast_hash = v.cast_hash), 0),
      'buyers', (select count(distinct t.trader) from public.coin_trades t
        where t.coin_address = v_coin and t.side = 'buy')
    ),
    'supporters', public.performance_supporters(v.cast_hash)
  );
end;
$$;

create or replace function public.artist_analytics(p_fid bigint, p_bucket text, p_from timestamptz, p_to timestamptz)
returns jsonb
language plpgsql stable
as $$
declare
  v_casts text[];
  v_items jsonb;
begin
  if p_bucket not in ('hour', 'day') then
    raise exception 'bucket must be hour or day' using errcode = '22023';
  end if;
  if not exists (select 1 from public.users where farcaster_fid = p_fid) then
    return null;
  end if;
  select coalesce(array_agg(v.cast_hash), '{}'), coalesce(jsonb_agg(jsonb_build_object(
      'castHash', v.cast_hash, 'title', v.title, 'createdAt', v.cast_created_at, 'likes', v.likes,
      'recasts', v.recasts, 'replies', v.replies, 'views', v.views,
      'engagers', coalesce(g.engagers, 0)) order by v.cast_created_at desc, v.cast_hash desc), '[]'::jsonb)
  into v_casts, v_items
  from public.performance_view v
  left join public.viral_aggregates g on g.cast_hash = v.cast_hash
  where v.artist_fid = p_fid;
  return jsonb_build_object(
    'fid', p_fid,
    'bucket', p_bucket,
    'from', date_trunc(p_bucket, p_from, 'UTC'),
    'to', p_to,
    'buckets', public.activity_buckets(v_casts, p_bucket, p_from, p_to),
    'totals', (select jsonb_build_object('performances', count(*), 'likes', coalesce(sum((i ->> 'likes')::bigint), 0),
      'recasts', coalesce(sum((i ->> 'recasts')::bigint), 0), 'replies', coalesce(sum((i ->> 'replies')::bigint), 0),
      'views', coalesce(sum((i ->> 'views')::bigint), 0)) from jsonb_array_elements(v_items) i),
    'funnel', (select jsonb_build_object('viewers', coalesce(sum((i ->> 'views')::bigint), 0),
      'engagers', coalesce(sum((i ->> 'engagers')::bigint), 0)) from jsonb_array_elements(v_items) i)
      || jsonb_build_object('buyers', (
        select count(distinct t.trader) from public.coin_trades t
        join public.performances p on p.id = t.performance_id
        where p.cast_hash = any (v_casts) and t.side = 'buy')),
    -- Creator rewards are paid by the coin's hook in its own events, which the indexer does not read yet.
    'earnings', null,
    'performances', v_items
  );
end;
$$;

revoke execute on function public.roll_up_coin_trade(), public.roll_up_holder_change(),
  public.user_of_address(text), public.performance_supporters(text, integer) from public, anon, authenticated;
grant execute on function public.user_of_address(text), public.performance_supporters(text, integer) to service_role;
