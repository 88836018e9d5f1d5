import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findPackageRoot } from '../support/findPackageRoot.ts';
import type { WebAppAssets } from './webAppAssets.ts';

const root = findPackageRoot(import.meta.url);
/** The client's entry (src/webapp/client/main.tsx), found from this file in src/ and in the compiled dist/src/ alike. */
const clientEntry = path.join(root, 'src/webapp/client/main.tsx');
/** Where `npm run build` writes the bundle and the production host reads it (dist/client/app.js, app.css). */
export const WEB_APP_OUT_DIR = path.join(root, 'dist/client');

/** Parts of the SDK's dependencies the app never runs, left out of the bundle (see the README's budget):
 * - `@solana/web3.js`, which @farcaster/miniapp-core imports for its Solana wallet wrapper (~60 KB gzip); the stand-in
 *   throws if anything calls it, and the app asks for an Ethereum provider only;
 * - zod's translated error messages (`zod/v4/locales`, ~30 KB gzip): zod configures its English messages itself, and
 *   the SDK's schemas never surface a message to our users. */
const SOLANA_STAND_IN = `const unsupported = () => { throw new Error('Solana is not supported by this app'); };
export class Connection { constructor() { unsupported(); } }
export const Transaction = { from: unsupported };
export const VersionedMessage = { deserialize: unsupported };
export const VersionedTransaction = { deserialize: unsupported };`;

function slimDependencies() {
  return {
    name: 'slim-dependencies',
    setup(build: import('esbuild').PluginBuild) {
      build.onResolve({ filter: /^@solana\/web3\.js$/ }, () => ({ path: 'solana', namespace: 'slim' }));
      build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
        /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'slim' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'slim' }, (args) => ({
        contents: args.path === 'solana' ? SOLANA_STAND_IN : 'export {};',
        loader: 'js',
      }));
    },
  };
}

/** Bundle the mini app's client with esbuild: one minified ES module (Preact, the SDK slimmed) and one stylesheet,
 * no CDN and nothing fetched. The version is a hash of both, so asset URLs can be cached forever. */
export async function buildWebApp(options: { minify?: boolean } = {}): Promise<WebAppAssets> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [clientEntry],
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'safari16'],
    minify: options.minify ?? true,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [slimDependencies()],
    logLevel: 'silent',
  });
  const script = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const style = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  return { script, style, version: versionOf(script, style) };
}

/** The content version of a bundle (12 hex digits of sha256), part of its asset URLs. */
export function versionOf(script: string, style: string): string {
  return createHash('sha256').update(script).update('\0').update(style).digest('hex').slice(0, 12);
}

/** `npm run build`'s step: the bundle written to dist/client for the production Node host and the Worker bundle. */
export async function writeWebApp(outDir = WEB_APP_OUT_DIR): Promise<WebAppAssets> {
  const assets = await buildWebApp();
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'app.js'), assets.script);
  await writeFile(path.join(outDir, 'app.css'), assets.style);
  return assets;
}

/** The bundle in dist/client, or null when it was not built. */
export async function readBuiltWebApp(outDir = WEB_APP_OUT_DIR): Promise<WebAppAssets | null> {
  try {
    const [script, style] = await Promise.all([
      readFile(path.join(outDir, 'app.js'), 'utf8'),
      readFile(path.join(outDir, 'app.css'), 'utf8'),
    ]);
    return { script, style, version: versionOf(script, style) };
  } catch {
    return null;
  }
}
