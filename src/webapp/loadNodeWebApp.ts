import type { Logger } from '../support/logger.ts';
import { errorFields } from '../support/logger.ts';
import { buildWebApp, readBuiltWebApp } from './buildWebApp.ts';
import type { LoadWebAppAssets, WebAppAssets } from './webAppAssets.ts';

/** The Node host's bundle, loaded once: `prebuilt` reads `npm run build`'s dist/client and builds in memory only
 * when it is missing (a fresh clone runs with no extra step); `build` always bundles the current source (the
 * development host). The build starts at once, so the first page does not wait for esbuild. */
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
  void get().catch(() => undefined);
  return get;
}
