import { createServer } from 'node:net';
import { StartupError } from './StartupError.ts';

/** Fail at once, with one line, when `port` is taken, before the server changes anything (database, devnet files). The
 * check binds the port the way the server will and lets it go; a race with another process right after is possible
 * but then the bind error is reported the same way. */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new StartupError(`port ${port} is already in use (another server?): stop it or set PORT`)
          : error.code === 'EACCES'
            ? new StartupError(`port ${port} needs privileges this process lacks: set PORT above 1023`)
            : error,
      );
    });
    probe.listen(port, () => probe.close(() => resolve()));
  });
}
