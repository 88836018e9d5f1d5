import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Start a node:http server on 127.0.0.1 (port 0 picks a free one) and answer its base URL and a close that also
 * drops keep-alive connections. Used by the local stand-ins of third-party APIs. */
export async function listenOnLoopback(server: Server, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
