import type { ExecutionContext } from 'hono';
import { createStores, type Stores } from './createStores.ts';
import { sqlRpc } from './db/rpc.ts';
import { supabaseRpc } from './db/supabase.ts';
import { runDueJobs } from './jobs/runDueJobs.ts';
import { createLogger, type Logger } from './support/logger.ts';
import type { IsolateCore } from './worker/getIsolateCore.ts';
import { openPgClient } from './worker/openPgClient.ts';
import { readWorkerConfig, type WorkerDatabase } from './worker/readWorkerConfig.ts';
import { settleAll } from './worker/settleAll.ts';

/** The part of a Cron Trigger's controller the Worker reads. https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/ */
export interface CronController {
  readonly cron: string;
  readonly scheduledTime: number;
}

type Bindings = Record<string, unknown>;
type Ready = { ok: true; core: IsolateCore; stores: Stores; logger: Logger };
type Refused = { ok: false; response: Response };

/** A cron tick's time budget for the jobs (a scheduled invocation may run longer, but a tick every minute should end
 * before the next one starts). */
const CRON_BUDGET_MS = 50_000;
const CRON_TICK_SECONDS = 60;

let coreModule: Promise<typeof import('./worker/getIsolateCore.ts')> | undefined;

/** The core, evaluated on the first invocation rather than at start-up: @farcaster/core 0.20 (behind the frame
 * action verifier) builds a test-data factory when its module is evaluated, drawing random bytes, and Workers refuse
 * random values in global scope ("Disallowed operation called within global scope"). Wrangler's bundler (esbuild)
 * keeps a dynamically imported module lazy, so that evaluation happens in a handler. */
function loadCore(): Promise<typeof import('./worker/getIsolateCore.ts')> {
  coreModule ??= import('./worker/getIsolateCore.ts').catch((error: unknown) => {
    coreModule = undefined;
    throw error;
  });
  return coreModule;
}

function openStores(database: WorkerDatabase): Stores {
  if (database.kind === 'supabase') return createStores(supabaseRpc(database.url, database.serviceRoleKey));
  return createStores(sqlRpc(openPgClient(database.connectionString)));
}

/** The isolate's core and this invocation's stores (Workers forbid I/O objects such as sockets shared across
 * requests). A misconfigured Worker answers 503 naming the variables, never their values. */
async function prepare(bindings: Bindings): Promise<Ready | Refused> {
  const config = readWorkerConfig(bindings);
  if (!config.ok) {
    createLogger('error').error('server misconfigured; refusing requests', { problems: config.problems });
    const response = Response.json({ error: `server misconfigured: ${config.names.join(', ')}` }, { status: 503 });
    return { ok: false, response };
  }
  const core = (await loadCore()).getIsolateCore(config.env, config.webhookSecrets);
  return { ok: true, core, stores: openStores(config.database), logger: createLogger(config.env.LOG_LEVEL) };
}

/** An invocation's waitUntil, remembering what it was given so the stores are closed only after all of it settled. */
function keeper(ctx: ExecutionContext) {
  const background: Promise<unknown>[] = [];
  return {
    keepAlive(work: Promise<unknown>) {
      background.push(work);
      ctx.waitUntil(work);
    },
    closeAfter(stores: Stores) {
      ctx.waitUntil(settleAll(background).then(() => stores.close()));
    },
  };
}

/** Cloudflare Workers host (wrangler.toml): the only place besides the Node entries that reads the environment. It
 * adapts bindings to the core (createGigaVibe, built once per isolate): HTTP requests go to the core's app with this
 * invocation's stores; committed events are applied in waitUntil after the response and frame views are flushed there
 * too; the every-minute Cron Trigger runs the core's due background jobs (the same list the Node host runs; the
 * core says which it leaves to a Node host, and why). The invocation's database connection is closed once all of its
 * work settles. */
export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const ready = await prepare(env);
    if (!ready.ok) return ready.response;
    const { keepAlive, closeAfter } = keeper(ctx);
    const tracked: ExecutionContext = {
      waitUntil: keepAlive,
      passThroughOnException: () => ctx.passThroughOnException(),
      props: ctx.props,
    };
    const { scopes, gv } = ready.core;
    return scopes.run({ stores: ready.stores, keepAlive }, async () => {
      try {
        // The bindings hold every secret; the app reads its configuration from `prepare`, never from Hono's env, so
        // nothing it or a library renders can echo a binding.
        return await gv.app.fetch(request, {}, tracked);
      } finally {
        if (gv.frames !== null && gv.frames.viewLog.pending() > 0) keepAlive(gv.frames.viewLog.flush());
        closeAfter(ready.stores);
      }
    });
  },

  async scheduled(controller: CronController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    const ready = await prepare(env);
    if (!ready.ok) return;
    const { scopes, gv, holder } = ready.core;
    const { keepAlive, closeAfter } = keeper(ctx);
    scopes.run({ stores: ready.stores, keepAlive }, () => {
      keepAlive(
        runDueJobs(gv.jobs, {
          scheduledTime: controller.scheduledTime,
          tickSeconds: CRON_TICK_SECONDS,
          budgetMs: CRON_BUDGET_MS,
          holder,
          leases: ready.stores.jobs,
          logger: ready.logger,
        }),
      );
    });
    closeAfter(ready.stores);
  },
};
