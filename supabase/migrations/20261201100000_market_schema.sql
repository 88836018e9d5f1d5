-- The market read back from the chain (the chain indexer, src/market): every swap of our coins (from the coin hook's
-- Swapped event), every ERC-20 Transfer of them and the balances they add up to, OHLC candles, the indexer's cursors
-- and the hashes of the blocks it applied (to notice reorgs), and the live market columns of performance_coins.
-- Amounts are raw integers (numeric(78, 0) holds any uint256): coins in 1e-18 units, ETH in wei. Prices are wei per
-- whole coin (1e18 units). Everything is written only by the indexer's functions (service role).
--
-- What the public roles may read: trades, balances and candles of coins of visible performances. All of it is public
-- on chain already (anyone can replay the same logs), and a client needs it for charts and holder lists. Not the link
-- from a swap to our own reported trade (coin_trades.trade_id: it says which swaps came through our frames and app,
-- which the chain does not), not the raw transfers (bookkeeping for rollbacks) and not the indexer's cursors and
-- block hashes (internal state).

-- Every buy and sell of one of our coins, by anyone, as the coin hook reported it.
create table public.coin_trades (
  id bigint generated always as identity primary key,
  chain_id integer not null check (chain_id > 0),
  coin_address text not null references public.performance_coins (coin_address)
    check (coin_address ~ '^0x[0-9a-f]{40}$'),
  performance_id uuid not null references public.performances (id),
  tx_hash text not null check (tx_hash ~ '^0x[0-9a-f]{64}$'),
  log_index integer not null check (log_index >= 0),
  block_number bigint not null check (block_number >= 0),
  block_hash text not null check (block_hash ~ '^0x[0-9a-f]{64}$'),
  block_time timestamptz not null,
  trader text not null check (trader ~ '^0x[0-9a-f]{40}$'),
  side text not null check (side in ('buy', 'sell')),
  coin_amount numeric(78, 0) not null check (coin_amount >= 0),
  eth_amount numeric(78, 0) not null check (eth_amount >= 0),
  price_wei numeric(78, 0) not null check (price_wei >= 0),
  sqrt_price_x96 numeric(78, 0) not null check (sqrt_price_x96 > 0),
  trade_id bigint references public.trades (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (chain_id, tx_hash, log_index)
);
comment on table public.coin_trades is
  'Every swap of our coins (the coin hook''s Swapped event): trader (the trusted swap sender, else the transaction '
  'sender), side, raw coin amount, wei, and the price after the swap in wei per whole coin (exact, from '
  'sqrtPriceX96); also the price points of a coin. trade_id links the buy a client reported (public.trades). One row '
  'per (chain, tx, log index); rows of blocks a reorg orphaned are deleted.';
create index coin_trades_coin_idx on public.coin_trades (coin_address, block_number desc, log_index desc);
create index coin_trades_coin_time_idx on public.coin_trades (coin_address, block_time);
create index coin_trades_block_idx on public.coin_trades (chain_id, block_number);
create index coin_trades_tx_idx on public.coin_trades (chain_id, tx_hash);
create index coin_trades_trader_idx on public.coin_trades (trader, coin_address);
create index coin_trades_trade_idx on public.coin_trades (trade_id) where trade_id is not null;

-- Raw ERC-20 transfers of our coins (mints and burns included), kept so a rollback can undo exactly what it applied.
create table public.coin_transfers (
  id bigint generated always as identity primary key,
  chain_id integer not null check (chain_id > 0),
  coin_address text not null references public.performance_coins (coin_address)
    check (coin_address ~ '^0x[0-9a-f]{40}$'),
  tx_hash text not null check (tx_hash ~ '^0x[0-9a-f]{64}$'),
  log_index integer not null check (log_index >= 0),
  block_number bigint not null check (block_number >= 0),
  block_hash text not null check (block_hash ~ '^0x[0-9a-f]{64}$'),
  from_address text not null check (from_address ~ '^0x[0-9a-f]{40}$'),
  to_address text not null check (to_address ~ '^0x[0-9a-f]{40}$'),
  amount numeric(78, 0) not null check (amount >= 0),
  unique (chain_id, tx_hash, log_index)
);
comment on table public.coin_transfers is
  'ERC-20 Transfer events of our coins as applied to coin_balances, one row per (chain, tx, log index); the rows of '
  'orphaned blocks are deleted and their amounts taken back out of the balances.';
create index coin_transfers_block_idx on public.coin_transfers (chain_id, block_number);
create index coin_transfers_to_idx on public.coin_transfers (to_address, coin_address);

-- Balances per holder, the sum of the applied transfers (the zero address, source of mints, is not a holder).
create table public.coin_balances (
  chain_id integer not null check (chain_id > 0),
  coin_address text not null references public.performance_coins (coin_address)
    check (coin_address ~ '^0x[0-9a-f]{40}$'),
  holder text not null check (holder ~ '^0x[0-9a-f]{40}$'
    and holder <> '0x0000000000000000000000000000000000000000'),
  balance numeric(78, 0) not null check (balance >= 0),
  updated_block bigint not null check (updated_block >= 0),
  primary key (coin_address, holder)
);
comment on table public.coin_balances is
  'Coin balance of each holder as of the indexer''s cursor: transfers in minus transfers out (exact, raw units). '
  'Rows at zero are kept (a holder who sold out).';
create index coin_balances_positive_idx on public.coin_balances (coin_address, balance desc) where balance > 0;
create index coin_balances_holder_idx on public.coin_balances (holder) where balance > 0;

-- OHLC candles per coin and interval, bucketed by block time in UTC.
create table public.coin_candles (
  chain_id integer not null check (chain_id > 0),
  coin_address text not null references public.performance_coins (coin_address)
    check (coin_address ~ '^0x[0-9a-f]{40}$'),
  interval text not null check (interval in ('1m', '1h', '1d')),
  bucket_start timestamptz not null,
  open_wei numeric(78, 0) not null check (open_wei >= 0),
  high_wei numeric(78, 0) not null check (high_wei >= 0),
  low_wei numeric(78, 0) not null check (low_wei >= 0),
  close_wei numeric(78, 0) not null check (close_wei >= 0),
  volume_wei numeric(78, 0) not null check (volume_wei >= 0),
  trades integer not null check (trades > 0),
  -- The (block, log index) of the bucket's first and last trade, so trades applied out of order keep open and close.
  open_block bigint not null,
  open_log_index integer not null,
  close_block bigint not null,
  close_log_index integer not null,
  primary key (coin_address, interval, bucket_start),
  check (low_wei <= least(open_wei, close_wei) and high_wei >= greatest(open_wei, close_wei))
);
comment on table public.coin_candles is
  'OHLC price candles (wei per whole coin after each swap), 1 minute / 1 hour / 1 day in UTC, with volume (wei) and '
  'trade count; maintained with each applied batch of trades and recomputed for the buckets a rollback touched.';

-- The indexer's position per chain: every block up to block_number is applied (for the coins in step with it).
create table public.market_cursors (
  chain_id integer primary key check (chain_id > 0),
  block_number bigint not null check (block_number >= 0),
  block_hash text not null check (block_hash ~ '^0x[0-9a-f]{64}$'),
  updated_at timestamptz not null default now()
);
comment on table public.market_cursors is
  'Per chain: the last block the indexer applied, with its hash (checked against the chain before each step).';

-- Per coin: the last block its logs are applied through. A coin confirmed after the chain cursor passed its creation
-- block catches up from that block before it joins the chain cursor's steps.
create table public.market_coin_cursors (
  coin_address text primary key references public.performance_coins (coin_address)
    check (coin_address ~ '^0x[0-9a-f]{40}$'),
  chain_id integer not null check (chain_id > 0),
  block_number bigint not null check (block_number >= 0),
  total_supply numeric(78, 0) not null default 0 check (total_supply >= 0),
  updated_at timestamptz not null default now()
);
comment on table public.market_coin_cursors is
  'Per coin: the last block whose logs are applied for it, and its total supply (mints minus burns applied).';

-- Hashes of recently applied blocks (every block that had logs, and each step''s last block), to find a reorg''s fork.
create table public.market_blocks (
  chain_id integer not null check (chain_id > 0),
  block_number bigint not null check (block_number >= 0),
  block_hash text not null check (block_hash ~ '^0x[0-9a-f]{64}$'),
  block_time timestamptz not null,
  primary key (chain_id, block_number)
);
comment on table public.market_blocks is
  'Hash and time of recently applied blocks (those with logs and each step''s last block); when a stored hash no '
  'longer matches the chain, everything above the highest matching block is rolled back and read again. Pruned '
  'behind the cursor.';

-- The live market of each coin, for every surface (and Supabase Realtime on UPDATE): written only when a value
-- changes.
alter table public.performance_coins
  add column price_wei numeric(78, 0) check (price_wei >= 0),
  add column price numeric check (price >= 0),
  add column market_cap_wei numeric(78, 0) check (market_cap_wei >= 0),
  add column volume_24h_wei numeric(78, 0) check (volume_24h_wei >= 0),
  add column change_24h numeric,
  add column holders integer check (holders >= 0),
  add column last_trade_at timestamptz,
  add column market_block bigint check (market_block >= 0);
comment on column public.performance_coins.price_wei is
  'Wei per whole coin after the last indexed swap (exact, from sqrtPriceX96); null before the first swap.';
comment on column public.performance_coins.price is 'price_wei in ETH (exact decimal).';
comment on column public.performance_coins.market_cap_wei is 'price_wei x total supply / 1e18, in wei.';
comment on column public.performance_coins.volume_24h_wei is
  'Wei traded (buys and sells) in the 24 hours before the indexed head block''s time.';
comment on column public.performance_coins.change_24h is
  'Price change over those 24 hours in percent (4 decimals): against the last price at or before the window''s '
  'start, or the window''s first trade''s price for a younger coin; null without trades.';
comment on column public.performance_coins.holders is 'Addresses holding a positive balance (the pool included).';
comment on column public.performance_coins.last_trade_at is 'Block time of the last indexed swap.';
comment on column public.performance_coins.market_block is
  'The block the market columns were computed at; null until the indexer first reached the coin.';

alter table public.coin_trades enable row level security;
alter table public.coin_transfers enable row level security;
alter table public.coin_balances enable row level security;
alter table public.coin_candles enable row level security;
alter table public.market_cursors enable row level security;
alter table public.market_coin_cursors enable row level security;
alter table public.market_blocks enable row level security;

create policy coin_trades_select_public on public.coin_trades for select to anon, authenticated
  using (exists (
    select 1 from public.performances p where p.id = coin_trades.performance_id and p.deleted_at is null
  ));
create policy coin_balances_select_public on public.coin_balances for select to anon, authenticated
  using (exists (
    select 1 from public.performance_coins c join public.performances p on p.id = c.performance_id
    where c.coin_address = coin_balances.coin_address and p.deleted_at is null
  ));
create policy coin_candles_select_public on public.coin_candles for select to anon, authenticated
  using (exists (
    select 1 from public.performance_coins c join public.performances p on p.id = c.performance_id
    where c.coin_address = coin_candles.coin_address and p.deleted_at is null
  ));
comment on policy coin_trades_select_public on public.coin_trades is
  'The public reads the swaps of coins of visible performances (on chain anyway), without trade_id (column grants).';
comment on policy coin_balances_select_public on public.coin_balances is
  'The public reads the holders of coins of visible performances (on chain anyway).';
comment on policy coin_candles_select_public on public.coin_candles is
  'The public reads the candles of coins of visible performances.';

revoke all on public.coin_trades, public.coin_transfers, public.coin_balances, public.coin_candles,
  public.market_cursors, public.market_coin_cursors, public.market_blocks from anon, authenticated;
grant select (id, chain_id, coin_address, performance_id, tx_hash, log_index, block_number, block_hash, block_time,
  trader, side, coin_amount, eth_amount, price_wei, sqrt_price_x96, created_at) on public.coin_trades
  to anon, authenticated;
grant select on public.coin_balances, public.coin_candles to anon, authenticated;
grant select (price_wei, price, market_cap_wei, volume_24h_wei, change_24h, holders, last_trade_at, market_block)
  on public.performance_coins to anon, authenticated;
grant all on public.coin_trades, public.coin_transfers, public.coin_balances, public.coin_candles,
  public.market_cursors, public.market_coin_cursors, public.market_blocks to service_role;
revoke all on all sequences in schema public from anon, authenticated;
grant usage, select on all sequences in schema public to service_role;
do $$
begin
  if current_setting('server_version_num')::integer >= 170000 then
    execute 'revoke maintain on public.coin_trades, public.coin_balances, public.coin_candles from anon, authenticated';
  end if;
end
$$;
