import type { ExecutionContext } from 'hono';
import { createApp, type GigaVibeApp } from './app.ts';
import { sqlRpc } from './db/rpc.ts';
import { createStore, type Store } from './db/store.ts';
import { supabaseRpc } from './db/supabase.ts';
import { createLogger, errorFields, type Logger } from './support/logger.ts';
import { sweepViral } from './viral/sweepViral.ts';
import { openPgClient } from './worker/openPgClient.ts';
import { readWorkerConfig, type WorkerDatabase } from './worker/readWorkerConfig.ts';

/** The part of a Cron Trigger's controller the Worker reads. https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/ */
export interface CronController {
  readonly cron: string;
  readonly scheduledTime: number;
}

type Bindings = Record<string, unknown>;
type Ready = { ok: true; gv: GigaVibeApp; store: Store; logger: Logger; viralThreshold: number | null };
type Refused = { ok: false; response: Response };

function openStore(database: WorkerDatabase): Store {
  if (database.kind === 'supabase') return createStore(supabaseRpc(database.url, database.serviceRoleKey));
  return createStore(sqlRpc(openPgClient(database.connectionString)));
}

/** Everything for one invocation, built fresh: Workers forbid I/O objects (sockets, streams) shared across requests,
 * and building the app is cheap. A misconfigured Worker answers 503 naming the variables, never their values. */
function prepare(bindings: Bindings): Ready | Refused {
  const config = readWorkerConfig(bindings);
  if (!config.ok) {
    createLogger('error').error('server misconfigured; refusing requests', { problems: config.problems });
    const response = Response.json({ error: `server misconfigured: ${config.names.join(', ')}` }, { status: 503 });
    return { ok: false, response };
  }
  const logger = createLogger(config.env.LOG_LEVEL);
  const store = openStore(config.database);
  const gv = createApp(
    {
      webhookSecrets: config.webhookSecrets,
      performanceChannelUrl: config.env.PERFORMANCE_CHANNEL_URL,
      adminToken: config.env.ADMIN_TOKEN,
    },
    { store, logger, applyMode: 'waitUntil', writer: { maxInFlight: Number.POSITIVE_INFINITY } },
  );
  return { ok: true, gv, store, logger, viralThreshold: config.env.VIRAL_SCORE_THRESHOLD ?? null };
}

/** Cloudflare Workers host (wrangler.toml): the only place besides src/node.ts that reads the environment. HTTP
 * requests go to the app; the every-minute Cron Trigger drains the webhook inbox and runs the viral sweep. Committed events are applied in
 * waitUntil after the response, and the per-request database connection is closed once that work settles. */
export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const ready = prepare(env);
    if (!ready.ok) return ready.response;
    const background: Promise<unknown>[] = [];
    const tracked: ExecutionContext = {
      waitUntil(promise) {
        background.push(promise);
        ctx.waitUntil(promise);
      },
      passThroughOnException: () => ctx.passThroughOnException(),
      props: ctx.props,
    };
    try {
      return await ready.gv.app.fetch(request, env, tracked);
    } finally {
      ctx.waitUntil(Promise.allSettled(background).then(() => ready.store.close()));
    }
  },

  async scheduled(controller: CronController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    const ready = prepare(env);
    if (!ready.ok) return;
    const { gv, store, logger, viralThreshold } = ready;
    ctx.waitUntil(
      gv.drainer
        .drain()
        .then((result) => {
          if (result.applied > 0 || result.failed > 0) logger.info('cron drain', { cron: controller.cron, ...result });
        })
        // Workers have no start-up hook: the config override is applied each run (recorded only when it changes).
        .then(() => store.applyViralConfig(viralThreshold))
        .catch((error: unknown) => logger.warn('viral config not applied', errorFields(error)))
        .then(() => sweepViral(store, logger))
        .finally(() => store.close()),
    );
  },
};
