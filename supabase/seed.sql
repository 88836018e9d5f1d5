-- Demo data so a new installation shows something: three artists and their performances with some engagement.
-- Applied by `supabase db reset` on Supabase, and by the Node host when it creates a fresh embedded database.
-- The counts are seeded as reconciliation adjustments (as if Neynar had reported them), so the exact counters
-- derived from reaction rows stay consistent.

insert into public.users (farcaster_fid, username, display_name, pfp_url, custody_address, profile_at) values
  (900001, 'demo-lena', 'Lena Sounds', null, '0x00000000000000000000000000000000000a0001', now()),
  (900002, 'demo-ravi', 'Ravi Keys', null, '0x00000000000000000000000000000000000a0002', now()),
  (900003, 'demo-mo', 'Mo Strings', null, '0x00000000000000000000000000000000000a0003', now())
on conflict (farcaster_fid) do nothing;

insert into public.performances (cast_hash, artist_fid, title, body, audio_url, audio_mime_type, channel_url, cast_created_at) values
  ('0x00000000000000000000000000000000000d0001', 900001, 'Reality Check (live at the pier)',
   'Reality Check (live at the pier)', 'https://example.com/demo/reality-check.mp3', 'audio/mpeg',
   'https://farcaster.xyz/~/channel/gigavibe', now() - interval '3 hours'),
  ('0x00000000000000000000000000000000000d0002', 900002, 'Night drive in C minor',
   'Night drive in C minor', 'https://example.com/demo/night-drive.m4a', 'audio/mp4',
   'https://farcaster.xyz/~/channel/gigavibe', now() - interval '2 hours'),
  ('0x00000000000000000000000000000000000d0003', 900003, 'Three chords and the truth',
   'Three chords and the truth', 'https://example.com/demo/three-chords.ogg', 'audio/ogg',
   'https://farcaster.xyz/~/channel/gigavibe', now() - interval '1 hour')
on conflict (cast_hash) do nothing;

insert into public.performance_metrics (cast_hash, likes_adjust, recasts_adjust, replies_adjust) values
  ('0x00000000000000000000000000000000000d0001', 42, 7, 5),
  ('0x00000000000000000000000000000000000d0002', 18, 3, 2),
  ('0x00000000000000000000000000000000000d0003', 5, 1, 0)
on conflict (cast_hash) do nothing;
