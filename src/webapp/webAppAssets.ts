/** The mini app's built client: one ES module and one stylesheet, with a content version for cacheable URLs. */
export interface WebAppAssets {
  script: string;
  style: string;
  version: string;
}

/** How a host gets the bundle: Node builds it with esbuild or reads `npm run build`'s output; the Worker has it in
 * its bundle as Text modules. Called once, on the first /app request (or earlier, when the host warms it). */
export type LoadWebAppAssets = () => Promise<WebAppAssets>;
