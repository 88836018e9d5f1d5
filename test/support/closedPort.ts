import { createServer } from 'node:net';

/** A loopback port nothing listens on (bound, then closed), for "unreachable" dependencies that fail fast and
 * locally: connections are refused, nothing leaves the machine. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
