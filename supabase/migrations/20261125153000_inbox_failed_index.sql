-- /healthz counts failed inbox rows on every call; without an index that scans the whole (ever-growing) inbox.
-- Measured by the ingest benchmark: 0.4-0.8 s at 1M rows before, under 1 ms after.
create index webhook_inbox_failed_idx on public.webhook_inbox (id) where state = 'failed';
