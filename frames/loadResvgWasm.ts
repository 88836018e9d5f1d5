import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** Node host: the resvg WebAssembly binary from the installed @resvg/resvg-wasm package (read from disk, never
 * fetched). Workers pass the module imported by their bundler instead. */
export async function loadResvgWasm(): Promise<Uint8Array> {
  const require = createRequire(import.meta.url);
  return new Uint8Array(await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
}
