import resvgWasm from '@resvg/resvg-wasm/index_bg.wasm';

/** Workers host: resvg's WebAssembly, compiled by wrangler at deploy time (a CompiledWasm module). Workers refuse to
 * compile WebAssembly from bytes at run time, so it cannot be read and instantiated as on Node; resvg's initWasm
 * takes a WebAssembly.Module as is. */
export async function loadWorkerResvgWasm(): Promise<WebAssembly.Module> {
  return resvgWasm;
}
