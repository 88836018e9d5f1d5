import { BaseError } from '../errors.ts';

/** The server or a command cannot start, for a reason the user can act on: the message is one line, says what to do,
 * and never holds a secret. Hosts and commands print it alone (no stack) and exit 1. */
export class StartupError extends BaseError {
  override name = 'Startup.StartupError';
}
