import type { Listener } from '../db/listen.ts';
import { errorFields, type Logger } from '../support/logger.ts';
import type { StreamSubjects } from './createStreamStore.ts';
import { decideResume } from './decideResume.ts';
import type { StreamSubscription } from './parseStreamQuery.ts';
import { formatStreamEventId, parseStreamEventId } from './streamEventId.ts';

/** The channel the database triggers notify (supabase/migrations/*_stream_notifications.sql). */
export const STREAM_CHANNEL = 'gigavibe_stream';

/** Where the hub writes one client's frames: the SSE response. */
export interface StreamSink {
  /** Write SSE bytes (UTF-8; shared between clients, never modified); resolves once the transport took them
   * (backpressure from a slow reader shows here). */
  write(bytes: Uint8Array): Promise<void>;
  /** End the response after what was written. */
  close(): Promise<void>;
  /** Drop the connection at once, unwritten data included (a stalled reader). */
  abort(): void;
}

/** What the hub counts (the Node host's Prometheus metrics). */
export interface StreamMetrics {
  streamConnections(delta: number): void;
  streamEventsSent(event: string, count: number): void;
}

export interface StreamHubOptions {
  listener: Listener;
  read(subjects: { coins: string[]; casts: string[]; trades: string[] }): Promise<StreamSubjects>;
  logger: Logger;
  metrics?: StreamMetrics | undefined;
  /** Open streams on this instance (STREAM_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Open streams per client address (STREAM_MAX_CONNECTIONS_PER_CLIENT). */
  maxConnectionsPerClient: number;
  /** Heartbeat period (STREAM_HEARTBEAT_SECONDS); also how often stalled clients are looked for. */
  heartbeatMs: number;
  /** How long events are kept for Last-Event-ID resume (STREAM_RESUME_SECONDS). */
  resumeWindowMs: number;
  /** Most events kept for resume, whatever their age. */
  ringSize?: number;
  /** How long notifications are gathered before one read (a burst of changes costs one query). */
  debounceMs?: number;
  /** Most subjects per read. */
  batchSize?: number;
  /** Frames a client may have waiting; past it, or when one write has waited stallMs, the client is dropped. */
  maxQueuedFrames?: number;
  stallMs?: number;
  /** Reconnect hint (SSE `retry:`) sent on shutdown: clients wait between retryMs and twice that, so a restart is not
   * met by every client at once. */
  retryMs?: number;
  /** Bound on shutdown: clients that have not taken their last frames by then are dropped. */
  closeTimeoutMs?: number;
  now?: () => number;
}

/** Why a connection was refused (the route answers 503 or 429 with Retry-After). */
export type StreamRefusal =
  | { reason: 'capacity'; retryAfterSeconds: number }
  | { reason: 'client'; retryAfterSeconds: number }
  | { reason: 'closing'; retryAfterSeconds: number };

/** A place reserved for one client (admit), turned into a stream by open, or given back by release. */
export interface StreamTicket {
  open(request: {
    subscription: StreamSubscription;
    lastEventId: string | undefined;
    sink: StreamSink;
  }): StreamConnection;
  release(): void;
}

export interface StreamConnection {
  /** Resolves when the stream has ended (client left, dropped, or shutdown). */
  done: Promise<void>;
  /** The client went away. */
  end(): void;
}

/** The per-instance fan-out of GET /api/stream. */
export interface StreamHub {
  /** Listen (once per instance, on the first client); rejects while the database cannot be listened to. */
  ready(): Promise<void>;
  /** Reserve a place for a client address, or say why not. */
  admit(clientKey: string): { ok: true; ticket: StreamTicket } | ({ ok: false } & StreamRefusal);
  /** Open streams now. */
  connections(): number;
  /** Shutdown: each stream gets a reconnect hint and a `shutdown` event, then ends; then the listener stops. */
  close(): Promise<void>;
}

interface Client {
  key: string;
  subjects: string[];
  sink: StreamSink;
  queue: Uint8Array[];
  writing: boolean;
  writingSince: number;
  /** Has had its snapshot or replay: heartbeats may carry ids. */
  synced: boolean;
  ended: boolean;
  finish: () => void;
}

interface RingEvent {
  seq: number;
  at: number;
  key: string;
  frame: Uint8Array;
}

const SUBJECT = /^[cpt]:0x[0-9a-f]{40}([0-9a-f]{24})?$/;

const subjectKeys = (s: StreamSubscription): string[] => [
  ...s.coins.map((a) => `c:${a}`),
  ...s.performances.map((h) => `p:${h}`),
  ...s.trades.map((h) => `t:${h}`),
];

const RESET_DATA = JSON.stringify({ reason: 'the events since your Last-Event-ID are not held here: refetch' });

const newEpoch = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The instance's stream hub: one LISTEN for every client; notified subjects that some client follows (or followed
 * within the resume window) are gathered for debounceMs and read in batches, each change becomes one event with the
 * next sequence number, is kept in a ring buffer for Last-Event-ID resume and written to the clients that follow its
 * subject. A new client gets its subjects' current state first; a resumed one what it missed; one that cannot be
 * resumed a `reset` and then the current state. Slow readers are dropped, not buffered. */
export function createStreamHub(options: StreamHubOptions): StreamHub {
  const { logger, metrics } = options;
  const now = options.now ?? Date.now;
  const ringSize = options.ringSize ?? 4096;
  const debounceMs = options.debounceMs ?? 10;
  const batchSize = options.batchSize ?? 200;
  const maxQueued = options.maxQueuedFrames ?? 256;
  const stallMs = options.stallMs ?? 30_000;
  const retryMs = options.retryMs ?? 2000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 3000;

  let epoch = newEpoch();
  let lastSeq = 0;
  const ring: RingEvent[] = [];
  const followers = new Map<string, Set<Client>>();
  const lingering = new Map<string, number>();
  const perClient = new Map<string, number>();
  let reserved = 0;
  const clients = new Set<Client>();

  let pending = new Set<string>();
  let waiting = new Map<Client, string[]>();
  let resetNext = new Set<Client>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing = false;
  let closing = false;
  let listening: Promise<void> | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const currentId = () => formatStreamEventId({ epoch, seq: lastSeq, at: now() });
  // Encoded once and shared: a change sent to 1,000 clients is one string and one buffer.
  const encoder = new TextEncoder();
  const frameOf = (name: string, data: string, id: string) =>
    encoder.encode(`event: ${name}\ndata: ${data}\nid: ${id}\n\n`);
  const CONNECTED = encoder.encode(': connected\n\n');
  const HEARTBEAT = encoder.encode(': heartbeat\n\n');

  const interesting = (key: string) => followers.has(key) || (lingering.get(key) ?? 0) > now();

  const finishClient = (client: Client, how: 'ended' | 'dropped') => {
    if (client.ended) return;
    client.ended = true;
    clients.delete(client);
    waiting.delete(client);
    resetNext.delete(client);
    const until = now() + options.resumeWindowMs;
    for (const key of client.subjects) {
      const set = followers.get(key);
      set?.delete(client);
      if (set?.size === 0) followers.delete(key);
      // Keep following for the resume window, so a reconnect within it finds every change in the ring.
      lingering.set(key, until);
    }
    const left = (perClient.get(client.key) ?? 1) - 1;
    if (left <= 0) perClient.delete(client.key);
    else perClient.set(client.key, left);
    reserved -= 1;
    metrics?.streamConnections(-1);
    if (how === 'dropped') client.sink.abort();
    client.finish();
  };

  const pump = async (client: Client) => {
    if (client.writing) return;
    client.writing = true;
    while (client.queue.length > 0 && !client.ended) {
      const bytes = client.queue.length === 1 ? (client.queue[0] as Uint8Array) : concat(client.queue);
      client.queue.length = 0;
      client.writingSince = now();
      try {
        await client.sink.write(bytes);
      } catch {
        finishClient(client, 'dropped');
      }
    }
    client.writing = false;
  };

  const send = (client: Client, frame: Uint8Array) => {
    if (client.ended) return;
    const stalled = client.writing && now() - client.writingSince > stallMs;
    if (client.queue.length >= maxQueued || stalled) {
      logger.info('stream client dropped: not reading', { queued: client.queue.length, stalled });
      finishClient(client, 'dropped');
      return;
    }
    client.queue.push(frame);
    void pump(client);
  };

  const evict = () => {
    const oldest = now() - options.resumeWindowMs;
    let drop = 0;
    while (drop < ring.length && (ring.length - drop > ringSize || (ring[drop]?.at ?? 0) < oldest)) drop += 1;
    if (drop > 0) ring.splice(0, drop);
    for (const [key, until] of lingering) if (until <= now()) lingering.delete(key);
  };

  const schedule = (delayMs: number) => {
    if (timer !== undefined || flushing || closing) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
  };

  const onNotify = (payload: string) => {
    if (!SUBJECT.test(payload) || !interesting(payload)) return;
    pending.add(payload);
    schedule(debounceMs);
  };

  /** The listening connection was lost: changes may have been missed, so nothing before now can be resumed. */
  const onGap = () => {
    epoch = newEpoch();
    ring.length = 0;
    for (const client of clients) {
      resetNext.add(client);
      waiting.set(client, client.subjects);
    }
    schedule(0);
  };

  const readAll = async (keys: Set<string>): Promise<Map<string, { name: string; data: string }[]>> => {
    const found = new Map<string, { name: string; data: string }[]>();
    const add = (key: string, name: string, item: unknown) => {
      const list = found.get(key) ?? [];
      list.push({ name, data: JSON.stringify(item) });
      found.set(key, list);
    };
    const all = [...keys];
    for (let i = 0; i < all.length; i += batchSize) {
      const part = all.slice(i, i + batchSize);
      const pick = (p: string) => part.filter((k) => k.startsWith(p)).map((k) => k.slice(2));
      const state = await options.read({ coins: pick('c:'), casts: pick('p:'), trades: pick('t:') });
      for (const item of state.coins) add(`c:${item.coinAddress}`, 'coin', item);
      for (const item of state.metrics) add(`p:${item.castHash}`, 'metrics', item);
      for (const item of state.trades) add(`t:${item.txHash}`, 'trade', item);
    }
    return found;
  };

  const flush = async () => {
    if (flushing || closing) return;
    flushing = true;
    const changed = pending;
    const snapshots = waiting;
    const resets = resetNext;
    pending = new Set();
    waiting = new Map();
    resetNext = new Set();
    const keys = new Set(changed);
    for (const list of snapshots.values()) for (const key of list) keys.add(key);
    try {
      const found = keys.size === 0 ? new Map() : await readAll(keys);
      const counts = new Map<string, number>();
      const count = (name: string, n: number) => counts.set(name, (counts.get(name) ?? 0) + n);
      for (const client of resets) {
        if (client.ended) continue;
        send(client, frameOf('reset', RESET_DATA, currentId()));
        count('reset', 1);
      }
      const broadcast = new Set<string>();
      for (const key of changed) {
        for (const { name, data } of found.get(key) ?? []) {
          lastSeq += 1;
          const at = now();
          const frame = frameOf(name, data, formatStreamEventId({ epoch, seq: lastSeq, at }));
          ring.push({ seq: lastSeq, at, key, frame });
          const set = followers.get(key);
          if (set === undefined) continue;
          for (const client of set) send(client, frame);
          count(name, set.size);
          broadcast.add(key);
        }
      }
      const id = currentId();
      for (const [client, list] of snapshots) {
        if (client.ended) continue;
        for (const key of list) {
          if (broadcast.has(key)) continue;
          for (const { name, data } of found.get(key) ?? []) {
            send(client, frameOf(name, data, id));
            count(name, 1);
          }
        }
        client.synced = true;
        send(client, frameOf('ready', JSON.stringify({ resumed: false }), id));
        count('ready', 1);
      }
      for (const [name, n] of counts) metrics?.streamEventsSent(name, n);
      evict();
    } catch (error) {
      logger.warn('stream read failed; retrying', errorFields(error));
      for (const key of changed) pending.add(key);
      for (const [client, list] of snapshots) if (!waiting.has(client)) waiting.set(client, list);
      for (const client of resets) resetNext.add(client);
      flushing = false;
      schedule(1000);
      return;
    }
    flushing = false;
    if (pending.size > 0 || waiting.size > 0) schedule(debounceMs);
  };

  const beat = () => {
    evict();
    // An id in the heartbeat moves the client's Last-Event-ID forward, so a resume knows how recently it was here.
    const withId = encoder.encode(`: heartbeat\nid: ${currentId()}\n\n`);
    for (const client of clients) send(client, client.synced ? withId : HEARTBEAT);
  };

  const ready = (): Promise<void> => {
    if (closing) return Promise.reject(new Error('stream hub is closing'));
    listening ??= options.listener.listen(STREAM_CHANNEL, { onNotify, onGap }).then(
      (stop) => {
        unlisten = stop;
        heartbeat = setInterval(beat, options.heartbeatMs);
        heartbeat.unref?.();
      },
      (error: unknown) => {
        listening = null;
        throw error;
      },
    );
    return listening;
  };

  const open = (
    clientKey: string,
    request: { subscription: StreamSubscription; lastEventId: string | undefined; sink: StreamSink },
  ): StreamConnection => {
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const client: Client = {
      key: clientKey,
      subjects: subjectKeys(request.subscription),
      sink: request.sink,
      queue: [],
      writing: false,
      writingSince: 0,
      synced: false,
      ended: false,
      finish,
    };
    clients.add(client);
    metrics?.streamConnections(1);
    for (const key of client.subjects) {
      let set = followers.get(key);
      if (set === undefined) {
        set = new Set();
        followers.set(key, set);
      }
      set.add(client);
    }
    // First bytes at once: the client sees the response start before any change happens.
    send(client, CONNECTED);
    const last = request.lastEventId;
    const position = parseStreamEventId(last);
    const oldestSeq = ring[0]?.seq ?? lastSeq + 1;
    const decision = decideResume(position, {
      epoch,
      oldestSeq,
      lastSeq,
      now: now(),
      windowMs: options.resumeWindowMs,
    });
    if (decision === 'resume' && position !== null) {
      const mine = new Set(client.subjects);
      let replayed = 0;
      for (const event of ring) {
        if (event.seq > position.seq && mine.has(event.key)) {
          send(client, event.frame);
          replayed += 1;
        }
      }
      if (replayed > 0) metrics?.streamEventsSent('replay', replayed);
      metrics?.streamEventsSent('ready', 1);
      client.synced = true;
      send(client, frameOf('ready', JSON.stringify({ resumed: true }), currentId()));
    } else {
      if (last !== undefined && last !== '') resetNext.add(client);
      waiting.set(client, client.subjects);
      schedule(0);
    }
    return { done, end: () => finishClient(client, 'ended') };
  };

  return {
    ready,
    admit(clientKey) {
      if (closing) return { ok: false, reason: 'closing', retryAfterSeconds: Math.ceil(retryMs / 1000) };
      if (reserved >= options.maxConnections) return { ok: false, reason: 'capacity', retryAfterSeconds: 10 };
      const mine = perClient.get(clientKey) ?? 0;
      if (mine >= options.maxConnectionsPerClient) return { ok: false, reason: 'client', retryAfterSeconds: 10 };
      reserved += 1;
      perClient.set(clientKey, mine + 1);
      let used = false;
      return {
        ok: true,
        ticket: {
          open(request) {
            if (used) throw new Error('stream ticket used twice');
            used = true;
            return open(clientKey, request);
          },
          release() {
            if (used) return;
            used = true;
            reserved -= 1;
            const left = (perClient.get(clientKey) ?? 1) - 1;
            if (left <= 0) perClient.delete(clientKey);
            else perClient.set(clientKey, left);
          },
        },
      };
    },
    connections: () => clients.size,
    async close() {
      if (closing) return;
      closing = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      const all = [...clients];
      for (const client of all) {
        const wait = retryMs + Math.floor(Math.random() * retryMs);
        const data = JSON.stringify({ reconnect: true, retryMs: wait });
        send(client, encoder.encode(`retry: ${wait}\nevent: shutdown\ndata: ${data}\n\n`));
      }
      if (all.length > 0) metrics?.streamEventsSent('shutdown', all.length);
      const deadline = now() + closeTimeoutMs;
      await Promise.all(
        all.map(async (client) => {
          while (!client.ended && (client.writing || client.queue.length > 0) && now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          if (client.ended) return;
          if (client.writing || client.queue.length > 0) {
            finishClient(client, 'dropped');
            return;
          }
          finishClient(client, 'ended');
          await client.sink.close();
        }),
      );
      if (listening !== null) await listening.catch(() => undefined);
      await unlisten?.().catch((error: unknown) => logger.warn('stream unlisten failed', errorFields(error)));
    },
  };
}
