/** A Server-Sent Events client over a real HTTP connection (fetch with a streaming body), parsing the wire format as
 * a browser's EventSource does: events, ids (also from id-only heartbeats), retry hints and comment lines. */

export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

export interface StreamClient {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  /** The last id seen (what a browser resends as Last-Event-ID). */
  lastEventId(): string | undefined;
  retry(): number | undefined;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  /** The next event named `name` after the `from`-th event (default: after those already taken by next). */
  next(name: string, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export async function openStream(url: string, options: { lastEventId?: string } = {}): Promise<StreamClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    signal: abort.signal,
    headers: options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId },
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let lastId: string | undefined = options.lastEventId;
  let retry: number | undefined;
  let cursor = 0;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let done = false;
  const ended = (async () => {
    if (res.body === null || res.status !== 200) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let event = '';
    let data: string[] = [];
    let id: string | undefined;
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
          if (line === '') {
            if (id !== undefined) lastId = id;
            if (data.length > 0) events.push({ event: event || 'message', data: data.join('\n'), id: lastId });
            event = '';
            data = [];
            id = undefined;
            wake();
            continue;
          }
          if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
          else if (field === 'id') id = value;
          else if (field === 'retry') retry = Number(value);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      wake();
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    lastEventId: () => lastId,
    retry: () => retry,
    ended,
    next(name, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          while (cursor < events.length) {
            const e = events[cursor++] as SseEvent;
            if (e.event === name) {
              cleanup();
              resolve(e);
              return;
            }
          }
          if (done) {
            cleanup();
            reject(new Error(`stream ended before a ${name} event; got ${events.map((e) => e.event).join(',')}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${name} event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(',')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
