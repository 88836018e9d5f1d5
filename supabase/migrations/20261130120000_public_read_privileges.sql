-- What the public (anon, authenticated: anyone holding the Supabase anon key) may read, granted explicitly.
-- Decisions: performances, their metrics, coins and viral parameters are public (the API serves them). Of users,
-- only artists of visible performances, and only their public profile and payout address: not the Neynar score (our
-- quality signal; publishing it helps bots game it) and not the custody or verified addresses of everyone who
-- engaged (that would link every liker's fid to their wallets). Nothing is writable.

-- Users: artists only, public columns only.
drop policy users_select_public on public.users;
create policy users_select_artists on public.users for select to anon, authenticated
  using (exists (
    select 1 from public.performances p
    where p.artist_fid = users.farcaster_fid and p.deleted_at is null
  ));
revoke select on public.users from anon, authenticated;
grant select (id, farcaster_fid, username, display_name, pfp_url, wallet_address) on public.users
  to anon, authenticated;
comment on policy users_select_artists on public.users is
  'The public sees the artists of visible performances (profile and payout address only, by column grants).';

-- The read view: select only (it was created after the blanket revoke and kept every default privilege).
revoke all on public.performance_view from anon, authenticated;
grant select on public.performance_view to anon, authenticated;

-- No write privilege on any table or view for the public roles, including anything a later migration created
-- before this one; and none by default for tables this role creates from now on (Supabase grants them by default).
revoke insert, update, delete, truncate, references, trigger on all tables in schema public from anon, authenticated;
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke execute on functions from public, anon, authenticated;
