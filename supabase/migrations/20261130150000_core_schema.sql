-- Core GigaVibe schema: the identity bridge (users), performances and the view the API and reconciliation read,
-- exact engagement state (counters, reactions, every cast seen), the durable webhook inbox, analytics and the
-- reconciliation log. Row-level security, policies and privileges for every table are in *_public_access.sql.

create table public.users (
  id uuid primary key default gen_random_uuid(),
  farcaster_fid bigint not null unique check (farcaster_fid > 0),
  username text,
  display_name text,
  pfp_url text,
  custody_address text check (custody_address ~ '^0x[0-9a-f]{40}$'),
  verified_eth_addresses text[] not null default '{}',
  primary_eth_address text check (primary_eth_address ~ '^0x[0-9a-f]{40}$'),
  wallet_address text generated always as (coalesce(primary_eth_address, custody_address)) stored,
  neynar_score real check (neynar_score between 0 and 1),
  profile_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.users is
  'Identity bridge: Farcaster fid, profile and Ethereum addresses, kept current from webhook user objects.';
comment on column public.users.wallet_address is
  'Payout address: the primary verified Ethereum address, else the custody address.';
comment on column public.users.profile_at is
  'Event time of the newest profile data applied; older data only fills fields that are still empty.';

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

create table public.performances (
  id uuid primary key default gen_random_uuid(),
  cast_hash text not null unique check (cast_hash ~ '^0x[0-9a-f]{40}$'),
  artist_fid bigint not null references public.users (farcaster_fid),
  title text not null check (length(title) between 1 and 200),
  body text not null default '',
  audio_url text,
  audio_mime_type text,
  channel_url text,
  embeds jsonb not null default '[]'::jsonb check (jsonb_typeof(embeds) = 'array'),
  cast_created_at timestamptz not null,
  deleted_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.performances is
  'A Farcaster cast that is a music performance (cast in the performance channel or embedding audio).';
comment on column public.performances.deleted_at is 'Set when the cast is deleted; deleted performances are hidden.';
create index performances_recent_idx on public.performances (cast_created_at desc, cast_hash desc)
  where deleted_at is null;
create index performances_artist_idx on public.performances (artist_fid);

create table public.performance_metrics (
  cast_hash text primary key check (cast_hash ~ '^0x[0-9a-f]{40}$'),
  likes_count integer not null default 0 check (likes_count >= 0),
  recasts_count integer not null default 0 check (recasts_count >= 0),
  replies_count integer not null default 0 check (replies_count >= 0),
  views_count integer not null default 0 check (views_count >= 0),
  likes_adjust integer not null default 0,
  recasts_adjust integer not null default 0,
  replies_adjust integer not null default 0,
  reconciled_at timestamptz,
  updated_at timestamptz not null default now()
);
comment on table public.performance_metrics is
  'Engagement counters per cast hash, kept for any cast that received engagement so that engagement arriving '
  'before its cast is counted once the cast becomes a performance. *_count columns change only when a reaction '
  'or reply actually changes state; *_adjust columns hold reconciliation corrections against Neynar.';

create table public.cast_reactions (
  cast_hash text not null check (cast_hash ~ '^0x[0-9a-f]{40}$'),
  reactor_fid bigint not null check (reactor_fid > 0),
  reaction_type text not null check (reaction_type in ('like', 'recast')),
  active boolean not null,
  event_at timestamptz not null,
  prev_active boolean,
  updated_at timestamptz not null default now(),
  primary key (cast_hash, reaction_type, reactor_fid)
);
comment on table public.cast_reactions is
  'One row per (cast, reaction type, reactor): the latest event by event time decides whether the reaction '
  'stands; on a tie the removal wins (the protocol''s reaction CRDT rule). prev_active is the state before the '
  'last change, so one upsert statement tells whether the counter must move.';

create table public.casts_seen (
  cast_hash text primary key check (cast_hash ~ '^0x[0-9a-f]{40}$'),
  author_fid bigint,
  parent_hash text check (parent_hash ~ '^0x[0-9a-f]{40}$'),
  cast_at timestamptz,
  created_seen boolean not null default false,
  deleted_at timestamptz,
  counted_reply boolean not null default false,
  updated_at timestamptz not null default now()
);
comment on table public.casts_seen is
  'Every cast the webhooks told us about, created or deleted, in any order. A deletion is permanent (a later '
  'cast.created cannot revive it). counted_reply records whether the cast currently counts as a reply to its parent.';
create index casts_seen_parent_idx on public.casts_seen (parent_hash) where counted_reply;

create table public.webhook_inbox (
  id bigint generated always as identity primary key,
  source text not null default 'neynar' check (source in ('neynar')),
  body_sha256 text not null check (body_sha256 ~ '^[0-9a-f]{64}$'),
  raw_body text not null,
  event_type text not null,
  event jsonb not null,
  signature_verified boolean not null,
  received_at timestamptz not null default now(),
  state text not null default 'pending' check (state in ('pending', 'applied', 'ignored', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  error text,
  applied_at timestamptz,
  unique (source, body_sha256),
  check ((state = 'applied') = (applied_at is not null)),
  check (state <> 'failed' or error is not null)
);
comment on table public.webhook_inbox is
  'Durable inbox: every signature-verified delivery is committed here before it is acknowledged, then applied '
  'exactly once. Byte-identical redeliveries collapse on (source, body_sha256).';
create index webhook_inbox_pending_idx on public.webhook_inbox (id) where state = 'pending';
-- /healthz counts failed inbox rows on every call; without an index that scans the whole (ever-growing) inbox.
-- Measured by the ingest benchmark: 0.4-0.8 s at 1M rows before, under 1 ms after.
create index webhook_inbox_failed_idx on public.webhook_inbox (id) where state = 'failed';

create table public.analytics_events (
  id bigint generated always as identity primary key,
  event_type text not null,
  fid bigint,
  cast_hash text,
  data jsonb not null default '{}'::jsonb,
  inbox_id bigint references public.webhook_inbox (id),
  occurred_at timestamptz not null,
  created_at timestamptz not null default now()
);
comment on table public.analytics_events is 'Append-only product analytics; one row per applied webhook event.';
create index analytics_events_cast_idx on public.analytics_events (cast_hash, occurred_at);
create unique index analytics_events_inbox_idx on public.analytics_events (inbox_id) where inbox_id is not null;

create table public.metric_corrections (
  id bigint generated always as identity primary key,
  cast_hash text not null,
  metric text not null check (metric in ('likes', 'recasts', 'replies')),
  counted integer not null,
  reported integer not null,
  adjust_before integer not null,
  adjust_after integer not null,
  source text not null default 'neynar',
  created_at timestamptz not null default now()
);
comment on table public.metric_corrections is
  'Reconciliation log: each time Neynar''s count for a cast disagreed with ours, what we counted, what Neynar '
  'reported and the adjustment applied.';

-- The public shape of a performance, as the read API serves it.
create view public.performance_view with (security_invoker = true) as
select
  p.id,
  p.cast_hash,
  p.title,
  p.body,
  p.audio_url,
  p.audio_mime_type,
  p.channel_url,
  p.cast_created_at,
  p.created_at,
  u.farcaster_fid as artist_fid,
  u.username as artist_username,
  u.display_name as artist_display_name,
  u.pfp_url as artist_pfp_url,
  u.wallet_address as artist_wallet_address,
  greatest(0, coalesce(m.likes_count, 0) + coalesce(m.likes_adjust, 0)) as likes,
  greatest(0, coalesce(m.recasts_count, 0) + coalesce(m.recasts_adjust, 0)) as recasts,
  greatest(0, coalesce(m.replies_count, 0) + coalesce(m.replies_adjust, 0)) as replies,
  coalesce(m.views_count, 0) as views
from public.performances p
join public.users u on u.farcaster_fid = p.artist_fid
left join public.performance_metrics m on m.cast_hash = p.cast_hash
where p.deleted_at is null;
comment on view public.performance_view is 'Visible performances with their artist and effective metrics.';
