/** Workers bundle only (wrangler.toml [alias]): stands in for `hono-og`, Frog's JSX image renderer, which our frames
 * never use (they draw their own PNGs with satori + resvg, and frames/guardFrameRequests.ts closes Frog's image
 * routes). The real module bundles a second satori, resvg and yoga WebAssembly: about 2 MiB, 0.7 MiB gzipped. */
export class ImageResponse extends Response {
  constructor() {
    super(null);
    throw new Error('Frog image rendering is not bundled in the Worker: frames serve their own images');
  }
}

/** Never called: Frog loads Google Fonts only to render its own images. */
export async function loadGoogleFont(): Promise<ArrayBuffer> {
  throw new Error('Frog image rendering is not bundled in the Worker: frames serve their own images');
}
