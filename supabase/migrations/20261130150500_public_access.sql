-- Who may do what: row-level security, policies and privileges for everything the migrations above define, in one
-- place. The public (anon, authenticated: anyone holding the Supabase anon key) reads performances, their metrics,
-- coins and the viral parameters (the API shows every performance's score, threshold and components, so hiding the
-- weights would only make scores harder to understand). Of users, only artists of visible performances, and only
-- their public profile and payout address: not the Neynar score (our quality signal; publishing it helps bots game
-- it) and not the custody or verified addresses of everyone who engaged (that would link every liker's fid to their
-- wallets). Nothing else is readable (inbox, analytics, reactions, corrections, viral internals and audit log, the
-- queue, notifications, frame actions, quotes, trades), nothing is writable, and only the read API's functions are
-- executable. The server uses service_role.

-- Row-level security on every table: with no policy for a role and operation, the row is denied.
alter table public.users enable row level security;
alter table public.performances enable row level security;
alter table public.performance_metrics enable row level security;
alter table public.cast_reactions enable row level security;
alter table public.casts_seen enable row level security;
alter table public.webhook_inbox enable row level security;
alter table public.analytics_events enable row level security;
alter table public.metric_corrections enable row level security;
alter table public.viral_params enable row level security;
alter table public.viral_param_changes enable row level security;
alter table public.viral_aggregates enable row level security;
alter table public.viral_engagers enable row level security;
alter table public.performance_coins enable row level security;
alter table public.viral_queue enable row level security;
alter table public.coin_notifications enable row level security;
alter table public.frame_actions enable row level security;
alter table public.frame_viewers enable row level security;
alter table public.trade_quotes enable row level security;
alter table public.trades enable row level security;

create policy users_select_artists on public.users for select to anon, authenticated
  using (exists (
    select 1 from public.performances p
    where p.artist_fid = users.farcaster_fid and p.deleted_at is null
  ));
comment on policy users_select_artists on public.users is
  'The public sees the artists of visible performances (profile and payout address only, by column grants).';
create policy performances_select_public on public.performances for select to anon, authenticated
  using (deleted_at is null);
create policy performance_metrics_select_public on public.performance_metrics for select to anon, authenticated
  using (exists (
    select 1 from public.performances p
    where p.cast_hash = performance_metrics.cast_hash and p.deleted_at is null
  ));
create policy performance_coins_select_public on public.performance_coins for select to anon, authenticated
  using (exists (
    select 1 from public.performances p
    where p.id = performance_coins.performance_id and p.deleted_at is null
  ));
create policy viral_params_select_public on public.viral_params for select to anon, authenticated using (true);

-- Tables and the view. Supabase (and the local bootstrap) grant every privilege to the API roles by default; take
-- away every write privilege, then everything on the private tables, so that a mistaken policy cannot open them up.
revoke insert, update, delete, truncate, references, trigger on all tables in schema public from anon, authenticated;
revoke all on public.webhook_inbox, public.analytics_events, public.cast_reactions, public.casts_seen,
  public.metric_corrections, public.viral_param_changes, public.viral_aggregates, public.viral_engagers,
  public.viral_queue, public.coin_notifications, public.frame_actions, public.frame_viewers, public.trade_quotes,
  public.trades from anon, authenticated;
-- Users: public columns only.
revoke select on public.users from anon, authenticated;
grant select (id, farcaster_fid, username, display_name, pfp_url, wallet_address) on public.users
  to anon, authenticated;
-- The read view: select only.
revoke all on public.performance_view from anon, authenticated;
grant select on public.performance_view to anon, authenticated;
grant all on all tables in schema public to service_role;
grant usage, select on all sequences in schema public to service_role;

-- Functions: server-only, except the read API.
revoke execute on all functions in schema public from public, anon, authenticated;
grant execute on all functions in schema public to service_role;
grant execute on function public.get_performance(text), public.list_performances(text, integer, jsonb),
  public.performance_json(public.performance_view),
  public.viral_json(uuid, integer, integer, integer, integer) to anon, authenticated;

-- Objects later migrations create: no table privilege and no execute for the public roles by default (each later
-- migration still grants and revokes explicitly, as Supabase's own defaults may differ).
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke execute on functions from public, anon, authenticated;
