import pg from 'pg';
import { errorFields, type Logger } from '../support/logger.ts';

/** What a listener calls: each notification's payload, and `onGap` when notifications may have been missed (the
 * listening connection was lost and is listening again), so the caller can tell its clients to refetch. */
export interface ListenHandlers {
  onNotify(payload: string): void;
  onGap?(): void;
}

/** PostgreSQL LISTEN next to the Rpc adapters: the embedded database (PGlite, in process) and a PostgreSQL server
 * (one dedicated connection per listener, never one per client). The Supabase Data API has no LISTEN; Supabase
 * Realtime is its path (README "Real time"). https://www.postgresql.org/docs/current/sql-listen.html */
export interface Listener {
  /** Listen on `channel` until the answered function is called. */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
}

const channelName = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!channelName.test(channel)) throw new Error(`invalid channel name ${channel}`);
}

/** The PGlite instance's own LISTEN (notifications of its single connection), queued with its other statements by
 * `serial` so a LISTEN never lands inside another caller's open transaction. */
export function pgliteListener(
  db: {
    listen(channel: string, callback: (payload: string) => void): Promise<(tx?: undefined) => Promise<void>>;
  },
  serial: <T>(fn: () => Promise<T>) => Promise<T>,
): Listener {
  return {
    async listen(channel, handlers) {
      checkChannel(channel);
      const unlisten = await serial(() => db.listen(channel, (payload) => handlers.onNotify(payload)));
      return () => serial(() => unlisten());
    },
  };
}

export interface PostgresListenerOptions {
  logger: Logger;
  /** First reconnect delay; doubled per failure up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** LISTEN on a PostgreSQL server through one dedicated connection (a pooled one would be handed to other queries).
 * The connection is opened on the first listen and closed with the last unlisten; when it drops it is reopened with
 * backoff, every channel is listened to again and each handler's onGap runs (notifications sent meanwhile are lost).
 * Behind a transaction-mode pooler (Supabase's port 6543) LISTEN does not work: use a session or direct URL. */
export function postgresListener(connectionString: string, options: PostgresListenerOptions): Listener {
  const { logger } = options;
  const minBackoff = options.minBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 5000;
  const channels = new Map<string, Set<ListenHandlers>>();
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  let stopped = true;
  let backoff = minBackoff;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const onNotification = (message: pg.Notification) => {
    for (const handlers of channels.get(message.channel) ?? []) handlers.onNotify(message.payload ?? '');
  };

  const open = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString, keepAlive: true });
    c.on('notification', onNotification);
    c.on('error', (error) => {
      logger.warn('stream listener connection error', errorFields(error));
      lost(c);
    });
    c.on('end', () => lost(c));
    await c.connect();
    for (const channel of channels.keys()) await c.query(`listen ${channel}`);
    return c;
  };

  const connect = (): Promise<pg.Client> => {
    connecting ??= open().then(
      (c) => {
        client = c;
        connecting = null;
        backoff = minBackoff;
        return c;
      },
      (error: unknown) => {
        connecting = null;
        throw error;
      },
    );
    return connecting;
  };

  const lost = (c: pg.Client) => {
    if (client !== c) return;
    client = null;
    c.removeAllListeners('notification');
    c.end().catch(() => undefined);
    if (stopped) return;
    const retry = () => {
      retryTimer = undefined;
      if (stopped) return;
      connect().then(
        () => {
          logger.info('stream listener reconnected');
          for (const set of channels.values()) for (const handlers of set) handlers.onGap?.();
        },
        (error: unknown) => {
          logger.warn('stream listener reconnect failed', { ...errorFields(error), retryMs: backoff });
          backoff = Math.min(maxBackoff, backoff * 2);
          retryTimer = setTimeout(retry, backoff);
        },
      );
    };
    retryTimer = setTimeout(retry, backoff);
  };

  return {
    async listen(channel, handlers) {
      checkChannel(channel);
      stopped = false;
      let set = channels.get(channel);
      const fresh = set === undefined;
      if (set === undefined) {
        set = new Set();
        channels.set(channel, set);
      }
      set.add(handlers);
      try {
        const c = await connect();
        // open() listened to every channel known when it connected; a channel added since needs its own LISTEN.
        if (fresh) await c.query(`listen ${channel}`);
      } catch (error) {
        set.delete(handlers);
        if (set.size === 0) channels.delete(channel);
        throw error;
      }
      return async () => {
        set.delete(handlers);
        if (set.size > 0) return;
        channels.delete(channel);
        if (channels.size > 0) {
          await client?.query(`unlisten ${channel}`).catch(() => undefined);
          return;
        }
        stopped = true;
        clearTimeout(retryTimer);
        const c = client;
        client = null;
        await c?.end().catch(() => undefined);
      };
    },
  };
}
