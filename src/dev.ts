import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from './config/schema.ts';
import type { Stores } from './createStores.ts';
import { readConfigOrExit, startOrExit } from './node/readConfigOrExit.ts';
import { type NodeDevChain, startNodeHost } from './node/startNodeHost.ts';
import { assertPortFree } from './startup/assertPortFree.ts';
import { lockDataDir } from './startup/lockDataDir.ts';
import { createLogger } from './support/logger.ts';

/** The development host (`npm start`): the Node host, plus, on the embedded database with no BASE_RPC_URL, a local
 * chain (anvil and the Zora API stand-in, from scripts/devnet) kept in DATA_DIR/devnet so a restart mid coin creation
 * recovers against the same chain. The chain is handed to the core as configuration (RPC, chain id, platform key,
 * Zora API, public origin) plus the devnet's router, PoolManager and development Farcaster registries. A production
 * database never sees devnet coins, and the production entry (src/node.ts) never loads any of this. */
async function startDevChain(env: Env): Promise<{ env: Env; dev: NodeDevChain } | null> {
  const embedded = env.DATABASE_URL === undefined && env.SUPABASE_URL === undefined;
  if (env.BASE_RPC_URL !== undefined || !embedded) return null;
  // Before the devnet writes anything in DATA_DIR: a second `npm start` must stop here, changing nothing.
  lockDataDir(env.DATA_DIR, 'npm start');
  const { startDevnet } = await import('../scripts/devnet/startDevnet.ts');
  const { startZoraApiStandIn } = await import('../scripts/devnet/zoraApiStandIn.ts');
  const { devSwapRouterAbi } = await import('../scripts/devnet/devAbis.ts');
  const { createDevAddressCheck, createDevSignerCheck } = await import('../scripts/devnet/devFarcasterSigners.ts');
  const stateDir = path.resolve(env.DATA_DIR, 'devnet');
  const devnet = await startDevnet({ stateDir });
  const standIn = await startZoraApiStandIn({ devnet });
  // Sign-in with no network: the mini app's sdk.quickAuth.getToken() and the server's token check use a local stand-in.
  const { startQuickAuthStandIn } = await import('../scripts/devnet/quickAuthStandIn.ts');
  const quickAuth = env.QUICK_AUTH_ORIGIN === undefined ? await startQuickAuthStandIn() : null;
  // For `npm run frame:buy`, which sends the frame's transaction to this chain.
  await writeFile(path.join(stateDir, 'rpc-url'), `${devnet.rpcUrl}\n`);
  createLogger(env.LOG_LEVEL).warn(
    'no BASE_RPC_URL: coins are created and bought on a local devnet (anvil, chain id 8453) in DATA_DIR/devnet',
    {
      rpcUrl: devnet.rpcUrl,
      zoraApi: standIn.url,
      factory: devnet.addresses.coinFactory,
      router: devnet.addresses.swapRouter,
      ...(quickAuth === null ? {} : { quickAuth: quickAuth.origin }),
    },
  );
  return {
    env: {
      ...env,
      BASE_RPC_URL: devnet.rpcUrl,
      CHAIN_ID: devnet.chainId as Env['CHAIN_ID'],
      CHAIN_CONFIRMATIONS: 0,
      PLATFORM_PRIVATE_KEY: devnet.accounts.platform.privateKey,
      ZORA_API_BASE_URL: standIn.url,
      ZORA_API_KEY: undefined,
      PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
      QUICK_AUTH_ORIGIN: quickAuth?.origin ?? env.QUICK_AUTH_ORIGIN,
    },
    dev: {
      adapters: {
        routers: [{ address: devnet.addresses.swapRouter, abi: devSwapRouterAbi }],
        poolManager: devnet.addresses.poolManager,
        checkSigner: createDevSignerCheck(env.DATA_DIR),
        checkAddress: createDevAddressCheck(env.DATA_DIR),
      },
      async stop() {
        await quickAuth?.close();
        await standIn.close();
        await devnet.stop();
      },
    },
  };
}

/** The demo data for a new embedded database (scripts/demo, loaded only here). */
async function seedDemoOnce(stores: Stores, channelUrl: string): Promise<void> {
  const { seedDemo } = await import('../scripts/demo/seedDemo.ts');
  const applied = await seedDemo(stores.ingest, { channelUrl });
  createLogger('info').info('demo performances delivered to the new embedded database', { events: applied });
}

const env = readConfigOrExit(process.env);
await startOrExit(async () => {
  await assertPortFree(env.PORT);
  const chain = await startDevChain(env);
  const embedded = env.DATABASE_URL === undefined && env.SUPABASE_URL === undefined;
  await startNodeHost(chain?.env ?? env, {
    command: 'npm start',
    webApp: 'build',
    ...(chain === null ? {} : { dev: chain.dev }),
    // A new embedded database gets demo performances, delivered through the webhook's own ingest path.
    ...(embedded ? { onFreshDatabase: (stores: Stores) => seedDemoOnce(stores, env.PERFORMANCE_CHANNEL_URL) } : {}),
  });
});
