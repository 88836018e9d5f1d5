import { readConfigOrExit, startOrExit } from './node/readConfigOrExit.ts';
import { startNodeHost } from './node/startNodeHost.ts';

/** The Node host as production runs it: configuration from the environment (the only place besides the Worker entry
 * that reads it), no development chain. `npm start` runs src/dev.ts, which adds one when no chain is configured. */
const env = readConfigOrExit(process.env);
await startOrExit(() => startNodeHost(env));
