/** The part of a JSON-RPC URL that is safe to show: scheme, host and port. Providers put API keys in the path
 * (`/v2/<key>`) or the query (`?apikey=`), and user info can carry a password, so none of those is ever kept. Pure. */
export function rpcOrigin(rpcUrl: string): string {
  try {
    const url = new URL(rpcUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'the configured RPC';
  }
}
