import { errorFields, type Logger } from '../support/logger.ts';
import type { IngestStore } from './createIngestStore.ts';

export interface InboxDrainer {
  /** A delivery was committed: drain soon (coalesces with a drain already running, which then knows deliveries are
   * arriving: it lingers for bigger batches and keeps to one call at a time). */
  kick(): void;
  /** Apply everything pending now; resolves when the inbox is empty (or the database is unreachable). */
  drain(): Promise<{ applied: number; failed: number }>;
  /** Wait for a running drain to finish. */
  idle(): Promise<void>;
}

/** How the drainer sizes and paces its batches. The defaults suit PostgreSQL; the embedded database (one thread,
 * shared with acknowledgements) wants shorter batches. */
export interface InboxDrainerOptions {
  /** Rows per apply call are adapted so that one call takes about this long (ms). */
  targetBatchMs?: number;
  /** Bounds of the adapted batch size, and where it starts. */
  minBatch?: number;
  maxBatch?: number;
  initialBatch?: number;
  /** True while acknowledgements wait on the database (the inbox writer has inserts queued or in flight). */
  ackBusy?: () => boolean;
  /** While acknowledgements are busy, rest this fraction of each apply call's duration before the next call, so
   * application never takes the database (or, on PGlite, the thread) from acknowledgement for long. */
  restRatio?: number;
  /** Under load (acknowledgements busy, or deliveries committed during the last call) after a batch that was not
   * full, wait at least this long (ms) so the next batch is bigger: per-batch work (counters, viral sums and checks
   * per cast) is then shared by more events. */
  lingerMs?: number;
  /** How to wait (tests observe the rests). */
  sleep?: (ms: number) => Promise<void>;
  /** Apply calls at once while a backlog is applied with no acknowledgement waiting (after a burst): each takes one
   * lane of the inbox (events by their first user's fid; see `IngestStore.applyInbox`), so they share only the
   * per-cast rows.
   * 1 (the default) applies one call at a time; the embedded database runs one query at a time anyway. */
  lanes?: number;
  /** Rest only while application has been behind (every call full) for less than this long (ms); past it, apply
   * without resting until a call comes back not full. Bounds how stale the metrics get under a load that outlasts a
   * burst, so a long rest can favour acknowledgement in bursts. Unset: always rest while acknowledgements wait. */
  maxLagMs?: number;
}

type ApplyResult = Awaited<ReturnType<IngestStore['applyInbox']>>;
type Lane = { index: number; of: number };
type Totals = { applied: number; failed: number };

const TRANSIENT = new Set(['40P01', '40001', '55P03', '57014']);

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Applies committed inbox rows in batches through `apply_webhook_inbox` (claimed with SKIP LOCKED, so several
 * processes may drain at once). A failed event is marked failed in the inbox and the drain continues; a
 * deadlock or serialization failure retries the batch; an unreachable database ends the drain, and the next kick
 * or the periodic sweep resumes it. Nothing is dropped: rows stay in the inbox until applied.
 *
 * Under sustained load application runs beside acknowledgement without starving it: one apply call at a time per
 * process, a batch size adapted to the backlog and to the measured cost per event (bigger batches are cheaper per
 * event, up to `targetBatchMs` per call), and a rest between calls while acknowledgements are waiting. An idle server
 * applies at once; a backlog left by a burst that has ended is applied by `lanes` calls at once, one lane each. */
export function createInboxDrainer(
  store: Pick<IngestStore, 'applyInbox'>,
  logger: Logger,
  options: InboxDrainerOptions = {},
): InboxDrainer {
  const targetBatchMs = options.targetBatchMs ?? 250;
  const minBatch = options.minBatch ?? 50;
  const maxBatch = options.maxBatch ?? 5000;
  const restRatio = options.restRatio ?? 0.5;
  const lingerMs = options.lingerMs ?? 50;
  const ackBusy = options.ackBusy ?? (() => false);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const lanes = Math.max(1, Math.floor(options.lanes ?? 1));
  const maxLagMs = options.maxLagMs;
  /** When the current run of full calls began (application behind), null while it keeps up. */
  let behindSince: number | null = null;
  let limit = Math.min(maxBatch, Math.max(minBatch, options.initialBatch ?? 500));
  /** Smoothed apply cost per event (ms), null until measured. */
  let msPerEvent: number | null = null;
  let running: Promise<{ applied: number; failed: number }> | null = null;
  /** A drain was asked for while a call ran: look again before stopping. */
  let again = false;
  /** A delivery was committed while a call ran (kick): deliveries are arriving. The periodic drain job's calls set
   * only `again`, so they neither end lanes nor make the drainer linger. */
  let arriving = false;
  /** Lanes 1.. run beside the main loop (which then takes lane 0) while this is set. */
  let laneMode = false;
  const helpers = new Set<Promise<void>>();

  const adapt = (rows: number, ms: number): void => {
    if (rows < minBatch / 2) return; // too small to say anything about the cost per event
    const sample = ms / rows;
    msPerEvent = msPerEvent === null ? sample : 0.7 * msPerEvent + 0.3 * sample;
    limit = Math.round(Math.min(maxBatch, Math.max(minBatch, targetBatchMs / msPerEvent)));
  };

  /** One apply call (a deadlock or serialization failure is retried); null when the database is unreachable. */
  const step = async (lane?: Lane): Promise<{ result: ApplyResult; ms: number; asked: number } | null> => {
    let transientRetries = 0;
    for (;;) {
      const asked = limit;
      const started = performance.now();
      let result: ApplyResult;
      try {
        result = await store.applyInbox(asked, targetBatchMs, lane);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && TRANSIENT.has(code) && transientRetries < 20) {
          transientRetries++;
          await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** transientRetries)));
          continue;
        }
        logger.warn('inbox drain interrupted; pending events stay in the inbox', errorFields(error));
        return null;
      }
      const ms = performance.now() - started;
      if (result.failed.length > 0) logger.warn('webhook event failed to apply', { inboxIds: result.failed });
      if (result.sequential === true) {
        logger.warn('inbox batch applied one event at a time after an error in the set-based path', {
          applied: result.applied,
        });
      }
      adapt(result.applied, ms);
      return { result, ms, asked };
    }
  };

  // A batch cut short by its time budget counts as full: more is waiting.
  const isFull = (r: ApplyResult, asked: number): boolean =>
    (r.deferred ?? 0) > 0 || r.applied + r.failed.length >= asked;

  /** Lane `index` of `lanes`, while lane mode lasts and the lane keeps filling its batches. */
  const helper = async (index: number, totals: Totals): Promise<void> => {
    while (laneMode) {
      const outcome = await step({ index, of: lanes });
      if (outcome === null) {
        laneMode = false;
        return;
      }
      totals.applied += outcome.result.applied;
      totals.failed += outcome.result.failed.length;
      if (!isFull(outcome.result, outcome.asked)) return;
      await yieldToEventLoop();
      if (ackBusy()) return;
    }
  };

  /** Leave lane mode: the helpers finish their current call; resolves when they have. */
  const endLanes = async (): Promise<void> => {
    laneMode = false;
    while (helpers.size > 0) await Promise.all([...helpers]);
  };

  const loop = async (): Promise<{ applied: number; failed: number }> => {
    const totals: Totals = { applied: 0, failed: 0 };
    for (;;) {
      again = false;
      arriving = false;
      const lane = laneMode ? { index: 0, of: lanes } : undefined;
      const outcome = await step(lane);
      if (outcome === null) {
        await endLanes();
        return totals;
      }
      const { result, ms, asked } = outcome;
      totals.applied += result.applied;
      totals.failed += result.failed.length;
      const deferred = result.deferred ?? 0;
      const full = isFull(result, asked);
      if (lane !== undefined && !full) {
        // Lane 0 ran dry: let the other lanes finish, then look at the whole inbox again, one call at a time.
        await endLanes();
        continue;
      }
      if (result.applied === 0 && result.failed.length === 0 && deferred === 0 && !again) return totals;
      // Yield to the event loop before deciding: on PGlite an apply call resolves without ever reaching the poll phase,
      // so back-to-back calls would keep the server from reading requests (and would then see no acknowledgements
      // waiting). One macrotask lets arrived requests reach the inbox writer first.
      await yieldToEventLoop();
      // Under load (acknowledgements waiting, or deliveries committed while this batch was applied): rest, and after
      // a batch that was not full wait long enough for a bigger one. Otherwise a steady stream is applied one
      // delivery per call, the costliest way.
      const busy = ackBusy();
      if ((busy || arriving) && laneMode) await endLanes();
      if (!busy && !arriving && full && lanes > 1 && !laneMode) {
        // A backlog, no acknowledgement waiting and no delivery committed during the whole last call: a burst has
        // ended (under a steady stream deliveries keep arriving, and application keeps to one call at a time beside
        // them). Apply the backlog in lanes, at once.
        laneMode = true;
        for (let index = 1; index < lanes; index++) {
          const h: Promise<void> = helper(index, totals).finally(() => helpers.delete(h));
          helpers.add(h);
        }
      }
      if (full) behindSince ??= performance.now();
      else behindSince = null;
      const lagging = maxLagMs !== undefined && behindSince !== null && performance.now() - behindSince >= maxLagMs;
      if (!full && (busy || arriving)) await sleep(Math.max(ms * restRatio, lingerMs));
      else if (busy && !lagging) await sleep(ms * restRatio);
    }
  };

  const drain = (): Promise<{ applied: number; failed: number }> => {
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    kick() {
      if (running) arriving = true;
      void drain();
    },
    drain,
    async idle() {
      while (running) await running;
    },
  };
}
