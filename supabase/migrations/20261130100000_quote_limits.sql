-- Buy quotes were unbounded: POST /api/tx/buy is anonymous, and every call inserted a trade_quotes row that was never
-- deleted; an anonymous quote naming a victim's address could also become the quote of the victim's next frame
-- report (record_pending_trade takes the buyer's newest quote, fid-less ones included). Now:
-- (1) record_trade_quote reuses the row of an identical quote (same source, fid, chain, buyer, coin, router,
--     calldata, amounts) recorded in the last few minutes instead of inserting another, atomically;
-- (2) prune_trade_quotes deletes quotes no trade links to once they are older than the caller's cutoff (the app uses
--     one hour: record_pending_trade never links an older quote);
-- (3) a trigger on trades enforces who a quote may be linked to, whichever function links it: a fid-less quote only
--     to a fid-less report from the same source, a fid's quote only to that fid (or a fid-less report), and always
--     the same chain, buyer and coin. A report handed an ineligible quote gets the buyer's newest eligible one.
-- The app also rate-limits quote requests per client, buyer and fid (src/http/createRateLimiter.ts).

create index trade_quotes_created_idx on public.trade_quotes (created_at);
-- Pruning asks "does any trade link this quote" per row, and the foreign key asks it again on delete.
create index trades_quote_idx on public.trades (quote_id) where quote_id is not null;

-- Remember a buy transaction we built. p_quote: {source, fid, chainId, buyer, coinAddress, router, calldataHash,
-- amountInWei, expectedOut, minOut}. An identical quote recorded in the last 5 minutes is reused (and becomes the
-- newest, as the client asked for it again); the same calldata is the same transaction, so reuse never mislinks.
-- A transaction-scoped advisory lock per (buyer, coin, calldata) makes concurrent identical requests share one row.
-- Returns the quote id.
create or replace function public.record_trade_quote(p_quote jsonb) returns bigint
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

revoke execute on function public.record_trade_quote(jsonb), public.prune_trade_quotes(timestamptz),
  public.trade_quote_linkable(public.trade_quotes, text, bigint, integer, text, text),
  public.guard_trade_quote_link() from public, anon, authenticated;
grant execute on function public.record_trade_quote(jsonb), public.prune_trade_quotes(timestamptz),
  public.trade_quote_linkable(public.trade_quotes, text, bigint, integer, text, text),
  public.guard_trade_quote_link() to service_role;
