import { AsyncLocalStorage } from 'node:async_hooks';
import type { Stores } from '../createStores.ts';
import { UnavailableError } from '../errors.ts';

/** What one Worker invocation lends to the adapters built once per isolate: its own stores, and a way to keep the
 * invocation alive until some work settles (ExecutionContext.waitUntil). */
export interface RequestScope {
  stores: Stores;
  keepAlive(work: Promise<unknown>): void;
}

/** Isolate-wide adapters that act for whichever invocation calls them. */
export interface RequestScopes {
  /** Run `work` (and everything it starts, awaits or schedules) as `scope`'s invocation. */
  run<T>(scope: RequestScope, work: () => T): T;
  /** Stores whose methods call the current invocation's stores; every call is also kept alive by that invocation.
   * `close` does nothing: each invocation closes its own stores. */
  stores(): Stores;
  /** Wrap an async adapter so each call is kept alive by the invocation that made it. */
  keepingAlive<A extends unknown[], R>(call: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
}

const ignore = (): void => undefined;

/** Workers forbid sharing I/O objects (sockets, streams) across requests, so the stores are opened per invocation;
 * the frames, though, are built once per isolate (fonts, WebAssembly, image cache). This bridges the two with
 * AsyncLocalStorage (nodejs_compat): the frames hold stores that forward to the calling invocation's.
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

    stores(): Stores {
      // Proxies, so the Worker never lists the stores or their methods by hand: a capability's store is a Proxy too,
      // and any method is forwarded as it is called.
      const capabilities = new Map<PropertyKey, object>();
      const forwarding = (capability: PropertyKey): object =>
        new Proxy(
          {},
          {
            get(_target, method) {
              if (method === 'then') return undefined;
              return async (...args: unknown[]) => {
                const scope = current();
                const store: unknown = Reflect.get(scope.stores, capability);
                const call: unknown =
                  typeof store === 'object' && store !== null ? Reflect.get(store, method) : undefined;
                if (typeof call !== 'function') {
                  throw new TypeError(`the ${String(capability)} store has no method ${String(method)}`);
                }
                const work = (call as (...a: unknown[]) => Promise<unknown>).apply(store, args);
                scope.keepAlive(work.then(ignore, ignore));
                return work;
              };
            },
          },
        );
      return new Proxy({} as Stores, {
        get(_target, capability) {
          if (capability === 'close') return () => Promise.resolve();
          if (capability === 'then') return undefined;
          let store = capabilities.get(capability);
          if (store === undefined) {
            store = forwarding(capability);
            capabilities.set(capability, store);
          }
          return store;
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
