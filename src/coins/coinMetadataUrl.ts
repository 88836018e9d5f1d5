/** The stable public URL of a performance coin's metadata JSON (served by coinMetadataRoute); the coin's on-chain
 * `uri` points here, so the path must never change. Pure. */
export function coinMetadataUrl(publicUrl: string, castHash: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/api/performances/${castHash.toLowerCase()}/coin-metadata.json`;
}
