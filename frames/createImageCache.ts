/** Counters of the rendered-image cache, for logs and the benchmark. */
export interface ImageCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  /** Requests that waited for a render another request had already started. */
  joined: number;
  renders: number;
  evictions: number;
}

/** In-memory LRU of rendered PNG bytes, bounded by total bytes, with single-flight rendering. */
export interface ImageCache {
  /** The cached bytes for `key`, or the result of `render()`; concurrent calls for one key share one render. */
  getOrRender(key: string, render: () => Promise<Uint8Array>): Promise<Uint8Array>;
  stats(): ImageCacheStats;
  clear(): void;
}

/** Build the cache. Keys are `castHash:version`, `trade:<trade id>:version` or `not-found:version`, so an entry never
 * goes stale (a version names exactly one image). Callers build keys only from rows that exist, never from URL parts
 * alone: a key per attacker-minted URL would be a render per request and would evict the real images. */
export function createImageCache(maxBytes: number): ImageCache {
  const entries = new Map<string, Uint8Array>();
  const inFlight = new Map<string, Promise<Uint8Array>>();
  const counters = { bytes: 0, hits: 0, misses: 0, joined: 0, renders: 0, evictions: 0 };

  const store = (key: string, png: Uint8Array) => {
    if (png.byteLength > maxBytes) return;
    const previous = entries.get(key);
    if (previous !== undefined) counters.bytes -= previous.byteLength;
    entries.delete(key);
    entries.set(key, png);
    counters.bytes += png.byteLength;
    for (const [oldest, bytes] of entries) {
      if (counters.bytes <= maxBytes) break;
      entries.delete(oldest);
      counters.bytes -= bytes.byteLength;
      counters.evictions++;
    }
  };

  return {
    getOrRender(key, render) {
      const cached = entries.get(key);
      if (cached !== undefined) {
        counters.hits++;
        entries.delete(key);
        entries.set(key, cached);
        return Promise.resolve(cached);
      }
      const pending = inFlight.get(key);
      if (pending !== undefined) {
        counters.joined++;
        return pending;
      }
      counters.misses++;
      counters.renders++;
      const work = Promise.resolve()
        .then(render)
        .then(
          (png) => {
            inFlight.delete(key);
            store(key, png);
            return png;
          },
          (error: unknown) => {
            inFlight.delete(key);
            throw error;
          },
        );
      inFlight.set(key, work);
      return work;
    },
    stats: () => ({ entries: entries.size, maxBytes, ...counters }),
    clear() {
      entries.clear();
      counters.bytes = 0;
    },
  };
}
