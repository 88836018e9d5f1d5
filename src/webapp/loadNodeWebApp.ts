import type { Logger } from '../support/logger.ts';
import { errorFields } from '../support/logger.ts';
import { buildWebApp, readBuiltWebApp } from './buildWebApp.ts';
import type { LoadWebAppAssets, WebAppAssets } from './webAppAssets.ts';

/** The Node host's bundle, loaded once: `prebuilt` reads `npm run build`'s dist/client on the first /app request and
 * builds in memory only when it is missing (a fresh clone runs with no extra step); nothing is loaded at boot, so the
 * production process stays small and starts no esbuild process unless it must. `build` bundles the current source
 * at once (the development host), so the first page does not wait for esbuild. */
export function loadNodeWebApp(mode: 'build' | 'prebuilt', logger: Logger): LoadWebAppAssets {
  const load = async (): Promise<WebAppAssets> => {
    const started = Date.now();
    const built = mode === 'prebuilt' ? await readBuiltWebApp() : null;
    const assets = built ?? (await buildWebApp());
    logger.info('mini app bundle ready', {
      source: built === null ? 'esbuild' : 'dist/client',
      ms: Date.now() - started,
      scriptBytes: assets.script.length,
      version: assets.version,
    });
    return assets;
  };
  let loading: Promise<WebAppAssets> | undefined;
  const get = () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      logger.error('mini app bundle failed to build', errorFields(error));
      throw error;
    });
    return loading;
  };
  if (mode === 'build') void get().catch(() => undefined);
  return get;
}
