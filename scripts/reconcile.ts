/** `npm run reconcile`: correct drift between the webhook-maintained counters and Neynar's counts for recent
 * performances (see src/reconcile/reconcileMetrics.ts). Progress goes to stderr, the summary to stdout.
 * https://docs.neynar.com/reference/fetch-bulk-casts */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config/loadConfig.ts';
import { loadDotEnv } from '../src/config/loadDotEnv.ts';
import type { Env } from '../src/config/schema.ts';
import { type OpenDatabase, openDatabase } from '../src/node/openDatabase.ts';
import { neynarCastCounts } from '../src/reconcile/neynarCastCounts.ts';
import {
  MAX_BATCH_SIZE,
  type ReconcileProgress,
  type ReconcileSummary,
  reconcileMetrics,
} from '../src/reconcile/reconcileMetrics.ts';

const USAGE = `Usage: npm run reconcile -- [--since-hours N] [--batch N] [--dry-run]

Fetch Neynar's like, recast and reply counts for performances cast in the last N hours and record a correction
wherever ours differ (metric_corrections), so effective counts match Neynar's.

Options:
  --since-hours N  performances cast in the last N hours (default 72)
  --batch N        casts per Neynar request, 1 to ${MAX_BATCH_SIZE} (default 100); each hash adds about 43 bytes
                   to the request URL, and Neynar documents no maximum
  --dry-run        compare and report only; record nothing
  -h, --help       show this help

Environment: NEYNAR_API_KEY (required), NEYNAR_API_BASE_URL, and the server's database settings (DATABASE_URL;
or SUPABASE_URL with SUPABASE_SERVICE_ROLE_KEY; else the embedded database under DATA_DIR).

Exit status: 0 done; 1 when a batch failed or the run could not start or finish; 2 for bad usage.
`;

interface Flags {
  sinceHours: number;
  batch: number;
  dryRun: boolean;
  help: boolean;
}

type FlagsResult = { ok: true; flags: Flags } | { ok: false; message: string };

function parseFlags(argv: string[]): FlagsResult {
  let values: { 'since-hours'?: string; batch?: string; 'dry-run'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'since-hours': { type: 'string' },
        batch: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const sinceHours = Number(values['since-hours'] ?? '72');
  if (!Number.isFinite(sinceHours) || sinceHours <= 0) {
    return { ok: false, message: `--since-hours must be a positive number, got ${values['since-hours']}` };
  }
  const batch = Number(values.batch ?? '100');
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH_SIZE) {
    return { ok: false, message: `--batch must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${values.batch}` };
  }
  return {
    ok: true,
    flags: { sinceHours, batch, dryRun: values['dry-run'] ?? false, help: values.help ?? false },
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Progress on stderr: one line rewritten in place on a terminal, one plain line per batch otherwise. */
function progressWriter(write: (text: string) => void, tty: boolean) {
  let pending = false;
  return {
    update(p: ReconcileProgress) {
      const failed = p.failedBatches > 0 ? `, ${plural(p.failedBatches, 'failed batch', 'failed batches')}` : '';
      const line = `reconcile: ${p.processed}/${p.total} casts checked, ${p.corrected} corrected, ${p.missing} missing${failed}`;
      if (tty) {
        write(`\r\x1b[2K${line}`);
        pending = true;
      } else {
        write(`${line}\n`);
      }
    },
    /** A line of its own, above the progress line on a terminal. */
    note(text: string) {
      write(tty && pending ? `\r\x1b[2K${text}\n` : `${text}\n`);
      pending = false;
    },
    end() {
      if (pending) write('\n');
      pending = false;
    },
  };
}

function formatSummary(summary: ReconcileSummary, since: Date): string {
  const lines = [
    ...(summary.dryRun ? ['dry run: nothing recorded'] : []),
    `since: ${since.toISOString()}`,
    `checked: ${summary.checked}`,
    `${summary.dryRun ? 'would correct' : 'corrected'}: ${summary.corrected}`,
    `missing: ${summary.missing.length}`,
    `batches: ${summary.batches}`,
    `failed batches: ${summary.failures.length}`,
  ];
  if (summary.missing.length > 0) {
    const shown = summary.missing.slice(0, 20);
    const more = summary.missing.length - shown.length;
    lines.push(`missing casts (not returned by Neynar): ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(argv: string[], environment: NodeJS.ProcessEnv): Promise<number> {
  let secret: string | undefined;
  const redact = (text: string) => (secret && secret.length >= 8 ? text.replaceAll(secret, '[redacted]') : text);
  const out = (text: string) => process.stdout.write(redact(text));
  const err = (text: string) => process.stderr.write(redact(text));

  const parsed = parseFlags(argv);
  if (!parsed.ok) {
    err(`reconcile: ${parsed.message}\n\n${USAGE}`);
    return 2;
  }
  const { flags } = parsed;
  if (flags.help) {
    out(USAGE);
    return 0;
  }

  let env: Env;
  try {
    env = loadConfig(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`reconcile: ${error.message}\n`);
    return 1;
  }
  secret = env.NEYNAR_API_KEY;
  if (env.NEYNAR_API_KEY === undefined) {
    err('reconcile: NEYNAR_API_KEY is required: the Neynar API key used to fetch cast counts\n');
    return 1;
  }

  const since = new Date(Date.now() - flags.sinceHours * 3_600_000);
  const source = neynarCastCounts({ apiKey: env.NEYNAR_API_KEY, baseUrl: env.NEYNAR_API_BASE_URL });
  const progress = progressWriter(err, process.stderr.isTTY === true);
  let db: OpenDatabase | undefined;
  try {
    db = await openDatabase(env, { command: 'npm run reconcile' });
    err(
      `reconcile: performances cast since ${since.toISOString()}, ${flags.batch} per request` +
        `${flags.dryRun ? ' (dry run: nothing will be recorded)' : ''}\n`,
    );
    const summary = await reconcileMetrics(db.stores.reconcile, source, {
      since,
      batchSize: flags.batch,
      dryRun: flags.dryRun,
      onProgress: (p) => progress.update(p),
      onRetry: (r) =>
        progress.note(`reconcile: batch ${r.batch}: ${r.message}; retrying in ${(r.delayMs / 1000).toFixed(1)} s`),
    });
    progress.end();
    for (const f of summary.failures) {
      const first = f.castHashes[0];
      const last = f.castHashes.at(-1);
      const range = `${plural(f.castHashes.length, 'cast', 'casts')}, ${first === last ? first : `${first} to ${last}`}`;
      err(
        `reconcile: batch ${f.batch} failed after ${plural(f.attempts, 'attempt', 'attempts')} (${range}): ${f.message}\n`,
      );
    }
    out(formatSummary(summary, since));
    return summary.failures.length > 0 ? 1 : 0;
  } catch (error) {
    progress.end();
    err(`reconcile: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await db?.stores.close();
  }
}

loadDotEnv();
process.exitCode = await main(process.argv.slice(2), process.env);
