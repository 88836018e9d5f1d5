import style from '../../dist/client/app.css';
import script from '../../dist/client/app.js';
import type { WebAppAssets } from '../webapp/webAppAssets.ts';

/** The content version of the bundle: 12 hex digits of its SHA-256 (as src/webapp/buildWebApp.ts versionOf). */
async function versionOf(js: string, css: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${js}\0${css}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
}

let cached: Promise<WebAppAssets> | undefined;

/** Workers host: the mini app's bundle, built by wrangler's custom build (`[build]` in wrangler.toml runs
 * scripts/buildWebApp.ts) and imported as Text modules: part of the Worker bundle, no file system, no fetch. */
export function loadWorkerWebApp(): Promise<WebAppAssets> {
  cached ??= versionOf(script, style).then((version) => ({ script, style, version }));
  return cached;
}
