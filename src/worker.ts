import type { ExecutionContext } from 'hono';
import { createApp, type GigaVibeApp } from './app.ts';
import { sqlRpc } from './db/rpc.ts';
import { createStore, type Store } from './db/store.ts';
import { supabaseRpc } from './db/supabase.ts';
import { createLogger, errorFields, type Logger } from './support/logger.ts';
import { pruneTradeQuotes } from './trading/pruneTradeQuotes.ts';
import { sweepViral } from './viral/sweepViral.ts';
import type { IsolateServices } from './worker/getIsolateServices.ts';
import { openPgClient } from './worker/openPgClient.ts';
import { readWorkerConfig, type WorkerDatabase } from './worker/readWorkerConfig.ts';
import { settleAll } from './worker/settleAll.ts';

/** The part of a Cron Trigger's controller the Worker reads. https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/ */
export interface CronController {
  readonly cron: string;
  readonly scheduledTime: number;
}

type Bindings = Record<string, unknown>;
type Ready = {
  ok: true;
  gv: GigaVibeApp;
  store: Store;
  logger: Logger;
  services: IsolateServices;
  viralThreshold: number | null;
};
type Refused = { ok: false; response: Response };

let servicesModule: Promise<typeof import('./worker/getIsolateServices.ts')> | undefined;

/** The frames and trading modules, evaluated on the first invocation rather than at start-up: @farcaster/core
 * 0.20 (behind the frame action verifier) builds a test-data factory when its module is evaluated, drawing random
 * bytes, and Workers refuse random values in global scope ("Disallowed operation called within global scope").
 * Wrangler's bundler (esbuild) keeps a dynamically imported module lazy, so that evaluation happens in a handler. */
function loadServices(): Promise<typeof import('./worker/getIsolateServices.ts')> {
  servicesModule ??= import('./worker/getIsolateServices.ts').catch((error: unknown) => {
    servicesModule = undefined;
    throw error;
  });
  return servicesModule;
}

function openStore(database: WorkerDatabase): Store {
  if (database.kind === 'supabase') return createStore(supabaseRpc(database.url, database.serviceRoleKey));
  return createStore(sqlRpc(openPgClient(database.connectionString)));
}

/** Everything for one invocation. The store and the app are built fresh (Workers forbid I/O objects such as sockets
 * and streams shared across requests, and building the app is cheap); the frames and trading adapters come from the
 * isolate (getIsolateServices) and reach this invocation's store through its request scope. A misconfigured Worker
 * answers 503 naming the variables, never their values. */
async function prepare(bindings: Bindings): Promise<Ready | Refused> {
  const config = readWorkerConfig(bindings);
  if (!config.ok) {
    createLogger('error').error('server misconfigured; refusing requests', { problems: config.problems });
    const response = Response.json({ error: `server misconfigured: ${config.names.join(', ')}` }, { status: 503 });
    return { ok: false, response };
  }
  const logger = createLogger(config.env.LOG_LEVEL);
  const services = (await loadServices()).getIsolateServices(config.env);
  const store = openStore(config.database);
  const gv = createApp(
    {
      webhookSecrets: config.webhookSecrets,
      performanceChannelUrl: config.env.PERFORMANCE_CHANNEL_URL,
      adminToken: config.env.ADMIN_TOKEN,
    },
    {
      store,
      logger,
      applyMode: 'waitUntil',
      writer: { maxInFlight: Number.POSITIVE_INFINITY },
      frames: services.frames.frames,
      trading: services.trading.deps,
      // Set by Cloudflare on every request; a client cannot choose it.
      clientAddress: (c) => c.req.header('cf-connecting-ip'),
      frameActionLimiter: services.frameActionLimiter,
    },
  );
  return { ok: true, gv, store, logger, services, viralThreshold: config.env.VIRAL_SCORE_THRESHOLD ?? null };
}

/** An invocation's waitUntil, remembering what it was given so the store is closed only after all of it settled. */
function keeper(ctx: ExecutionContext) {
  const background: Promise<unknown>[] = [];
  return {
    keepAlive(work: Promise<unknown>) {
      background.push(work);
      ctx.waitUntil(work);
    },
    closeAfter(store: Store) {
      ctx.waitUntil(settleAll(background).then(() => store.close()));
    },
  };
}

/** Cloudflare Workers host (wrangler.toml): the only place besides src/node.ts that reads the environment. HTTP
 * requests go to the app (webhooks, API, frames, buying); committed events are applied in waitUntil after the
 * response, frame views are flushed there too, and the invocation's database connection is closed once all of that
 * settles. The every-minute Cron Trigger drains the webhook inbox, runs the viral sweep, confirms reported trades
 * (with BASE_RPC_URL) and prunes the frame-action replay registry. */
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
    const frames = ready.services.frames;
    return ready.services.scopes.run({ store: ready.store, keepAlive }, async () => {
      try {
        // The bindings hold every secret; the app reads its configuration from `prepare`, never from Hono's env, so
        // nothing it or a library renders can echo a binding.
        return await ready.gv.app.fetch(request, {}, tracked);
      } finally {
        if (frames.configured && frames.frames.viewLog.pending() > 0) keepAlive(frames.frames.viewLog.flush());
        closeAfter(ready.store);
      }
    });
  },

  async scheduled(controller: CronController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    const ready = await prepare(env);
    if (!ready.ok) return;
    const { gv, store, logger, viralThreshold, services } = ready;
    const { keepAlive, closeAfter } = keeper(ctx);
    services.scopes.run({ store, keepAlive }, () => {
      keepAlive(
        gv.drainer
          .drain()
          .then((result) => {
            if (result.applied > 0 || result.failed > 0)
              logger.info('cron drain', { cron: controller.cron, ...result });
          })
          // Workers have no start-up hook: the config override is applied each run (recorded only when it changes).
          .then(() => store.applyViralConfig(viralThreshold))
          .catch((error: unknown) => logger.warn('viral config not applied', errorFields(error)))
          .then(() => sweepViral(store, logger)),
      );
      // Leases (FOR UPDATE SKIP LOCKED) keep concurrent cron runs and other hosts from settling a trade twice.
      const confirmer = services.trading.confirmer(store, logger);
      if (confirmer !== null) keepAlive(confirmer.runOnce());
      if (services.frames.configured) {
        keepAlive(
          services.frames.frames
            .pruneFrameActions()
            .then((pruned) => {
              if (pruned > 0) logger.info('replay registry pruned', { rows: pruned });
            })
            .catch((error: unknown) => logger.warn('replay registry prune failed', errorFields(error))),
        );
      }
      keepAlive(
        pruneTradeQuotes(store)
          .then((pruned) => {
            if (pruned > 0) logger.info('trade quotes pruned', { rows: pruned });
          })
          .catch((error: unknown) => logger.warn('trade quote prune failed', errorFields(error))),
      );
    });
    closeAfter(store);
  },
};
