-- Portfolio reads: which of our coins a set of addresses ever touched (as the chain indexer saw them: transfers
-- received, balances, swaps), with each coin's performance, artist and the addresses' own swaps in chain order for
-- the cost basis; and the Ethereum addresses a fid verified (identity bridge). Balances and prices are then read on
-- chain by the server, all at one block; nothing here is public.

-- p_addresses: a jsonb array of lower-case addresses. Answers [{coinAddress, symbol, poolId, poolKey, castHash, title,
-- artist: {fid, username, displayName}, trades: [{side, coinAmount, ethAmount}] in (block, log index) order}].
create function public.get_portfolio_coins(p_chain_id integer, p_addresses jsonb) returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  with addrs as (
    select distinct lower(a) as address from jsonb_array_elements_text(p_addresses) a
  ), coins as (
    select t.coin_address from public.coin_transfers t join addrs on t.to_address = addrs.address
    where t.chain_id = p_chain_id
    union
    select b.coin_address from public.coin_balances b join addrs on b.holder = addrs.address
    where b.chain_id = p_chain_id
    union
    select tr.coin_address from public.coin_trades tr join addrs on tr.trader = addrs.address
    where tr.chain_id = p_chain_id
  ), swaps as (
    select tr.coin_address,
      jsonb_agg(jsonb_build_object('side', tr.side, 'coinAmount', tr.coin_amount::text,
        'ethAmount', tr.eth_amount::text) order by tr.block_number, tr.log_index) as trades
    from public.coin_trades tr join addrs on tr.trader = addrs.address
    where tr.chain_id = p_chain_id
    group by tr.coin_address
  )
  select coalesce(jsonb_agg(jsonb_build_object(
    'coinAddress', c.coin_address, 'symbol', c.symbol, 'poolId', c.pool_id, 'poolKey', c.pool_key,
    'castHash', p.cast_hash, 'title', p.title,
    'artist', jsonb_build_object('fid', p.artist_fid, 'username', u.username, 'displayName', u.display_name),
    'trades', coalesce(s.trades, '[]'::jsonb)
  ) order by c.coin_address), '[]'::jsonb)
  from coins k
  join public.performance_coins c on c.coin_address = k.coin_address
  join public.performances p on p.id = c.performance_id
  left join public.users u on u.farcaster_fid = p.artist_fid
  left join swaps s on s.coin_address = k.coin_address
$$;
comment on function public.get_portfolio_coins(integer, jsonb) is
  'The coins the indexer saw these addresses receive, hold or trade, with performance, artist and their swaps in '
  'chain order (for the average cost basis).';

-- The Ethereum addresses a fid verified (its primary one included), as the identity bridge knows them; null when the
-- fid is unknown.
create function public.get_fid_addresses(p_fid bigint) returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  select to_jsonb(array(
    select distinct lower(a) from unnest(u.verified_eth_addresses || array[u.primary_eth_address]) a
    where a is not null and a ~* '^0x[0-9a-f]{40}$'
    order by 1
  ))
  from public.users u where u.farcaster_fid = p_fid
$$;
comment on function public.get_fid_addresses(bigint) is
  'A fid''s verified Ethereum addresses (primary included) from the identity bridge, sorted; null for an unknown fid.';

revoke execute on function public.get_portfolio_coins(integer, jsonb), public.get_fid_addresses(bigint)
  from public, anon, authenticated;
grant execute on function public.get_portfolio_coins(integer, jsonb), public.get_fid_addresses(bigint)
  to service_role;
