-- No demo data is seeded by SQL. Demo performances are delivered the way real engagement arrives (Neynar-shaped
-- webhook payloads through the ingest functions), so their counts, viral scores and unique engagers agree:
--   npm run db:seed        (any configured database, e.g. DATABASE_URL pointing at a Supabase project)
-- The development host (`npm start`) does it by itself for a new embedded database.
select 1;
