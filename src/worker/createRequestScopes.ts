import { AsyncLocalStorage } from 'node:async_hooks';
import type { Store } from '../db/store.ts';
import { UnavailableError } from '../errors.ts';

/** What one Worker invocation lends to the adapters built once per isolate: its own store, and a way to keep the
 * invocation alive until some work settles (ExecutionContext.waitUntil). */
export interface RequestScope {
  store: Store;
  keepAlive(work: Promise<unknown>): void;
}

/** Isolate-wide adapters that act for whichever invocation calls them. */
export interface RequestScopes {
  /** Run `work` (and everything it starts, awaits or schedules) as `scope`'s invocation. */
  run<T>(scope: RequestScope, work: () => T): T;
  /** A store whose methods call the current invocation's store; every call is also kept alive by that invocation.
   * `close` does nothing: each invocation closes its own store. */
  store(): Store;
  /** Wrap an async adapter so each call is kept alive by the invocation that made it. */
  keepingAlive<A extends unknown[], R>(call: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
}

const ignore = (): void => undefined;

/** Workers forbid sharing I/O objects (sockets, streams) across requests, so the store is opened per invocation; the
 * frames, though, are built once per isolate (fonts, WebAssembly, image cache). This bridges the two with
 * AsyncLocalStorage (nodejs_compat): the frames hold a store that forwards to the calling invocation's.
 *
 * Every forwarded call is also passed to that invocation's waitUntil, because the frames share in-flight work
 * between requests (a performance read, a coin price, a hub signer lookup) and continue some after answering (a
 * background card refresh). Without it, an invocation that answered or was cancelled would take its pending I/O with
 * it, and the promise other requests joined would never settle. https://developers.cloudflare.com/workers/runtime-apis/nodejs/asynclocalstorage/ */
export function createRequestScopes(): RequestScopes {
  const storage = new AsyncLocalStorage<RequestScope>();

  const current = (): RequestScope => {
    const scope = storage.getStore();
    if (scope === undefined) throw new UnavailableError('No request is in progress to reach the database');
    return scope;
  };

  return {
    run: (scope, work) => storage.run(scope, work),

    store(): Store {
      // A Proxy, so the Worker never lists the store's methods by hand: any method is forwarded as it is called.
      return new Proxy({} as Store, {
        get(_target, method) {
          if (method === 'close') return () => Promise.resolve();
          if (method === 'then') return undefined;
          return async (...args: unknown[]) => {
            const scope = current();
            const call = scope.store[method as keyof Store] as unknown;
            if (typeof call !== 'function') throw new TypeError(`the store has no method ${String(method)}`);
            const work = (call as (...a: unknown[]) => Promise<unknown>).apply(scope.store, args);
            scope.keepAlive(work.then(ignore, ignore));
            return work;
          };
        },
      });
    },

    keepingAlive(call) {
      return (...args) => {
        const work = call(...args);
        storage.getStore()?.keepAlive(work.then(ignore, ignore));
        return work;
      };
    },
  };
}
