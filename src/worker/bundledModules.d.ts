/** Files wrangler bundles as Workers modules (rules in wrangler.toml): a `Data` module's default export is its bytes,
 * a `CompiledWasm` module's is the compiled WebAssembly.Module. https://developers.cloudflare.com/workers/wrangler/bundling/ */
declare module '@fontsource/inter/files/*.woff' {
  const bytes: ArrayBuffer;
  export default bytes;
}

declare module '@resvg/resvg-wasm/index_bg.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

/** The mini app's client bundle (`npm run build` / wrangler's custom build), bundled as Text modules. */
declare module '*/dist/client/app.js' {
  const text: string;
  export default text;
}

declare module '*/dist/client/app.css' {
  const text: string;
  export default text;
}
