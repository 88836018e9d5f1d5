/** `npm run build`'s mini app step (and wrangler's custom build): bundle src/webapp/client to dist/client. */
import { gzipSync } from 'node:zlib';
import { WEB_APP_OUT_DIR, writeWebApp } from '../src/webapp/buildWebApp.ts';

const assets = await writeWebApp();
const kb = (text: string) =>
  `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB (${(gzipSync(text).length / 1024).toFixed(1)} KiB gzip)`;
console.error(
  `mini app bundle ${assets.version} in ${WEB_APP_OUT_DIR}: app.js ${kb(assets.script)}, app.css ${kb(assets.style)}`,
);
