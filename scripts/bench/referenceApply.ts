import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../supabase/migrations');

/** The one-by-one `apply_webhook_inbox` exactly as the ingest migration defined it, renamed
 * `reference_apply_webhook_inbox`: the yardstick the set-based version is compared with (test/setBasedIngest.test.ts,
 * `npm run bench:ingest-sql -- --reference`). It calls the per-event functions, which later migrations keep. */
export async function referenceApplyFunction(): Promise<string> {
  const text = await readFile(path.join(MIGRATIONS, '20261130150100_ingest.sql'), 'utf8');
  const start = text.indexOf('create function public.apply_webhook_inbox(');
  const end = text.indexOf('\n$$;\n', start);
  if (start < 0 || end < 0) throw new Error('reference apply_webhook_inbox not found in the ingest migration');
  return text.slice(start, end + 5).replace('public.apply_webhook_inbox(', 'public.reference_apply_webhook_inbox(');
}
