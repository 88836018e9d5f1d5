import { BaseError } from '../errors.ts';
import { errorFields, type Logger } from '../support/logger.ts';

/** What holdLease needs: the lease length it renews to, and the renewal itself. */
export interface HoldLeaseOptions {
  /** The lease is renewed to this many seconds from now, every third of it. */
  leaseSeconds: number;
  /** Extend the lease by `leaseSeconds` from now; false when it is lost (expired, taken over or released). */
  renew(): Promise<boolean>;
  /** Where a lost lease and failing renewals are reported (with `fields`). */
  logger?: Logger;
  fields?: Record<string, unknown>;
  /** The clock (ms); tests pass a fake one. Default Date.now. */
  now?: () => number;
}

/** Why holdLease aborted the work's signal: the lease is, or may be, someone else's now. */
export class LeaseLostError extends BaseError {
  override name = 'Jobs.LeaseLostError';
}

/**
 * Run `work` while holding a lease that was just taken: renew it every leaseSeconds / 3 until the work ends, so a
 * short lease covers work of any length while a worker that dies lets go of it within one lease. When a renewal
 * answers that the lease is lost, or renewals keep failing until the last renewed lease has run out, the work's
 * signal is aborted (reason: LeaseLostError): the work must check it before each side effect and stop. The work's
 * result (or error) is returned as is; renewing stops as soon as it settles.
 */
export async function holdLease<T>(options: HoldLeaseOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseSeconds * 1000;
  const controller = new AbortController();
  let heldUntil = now() + leaseMs;
  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const lose = (message: string) => {
    if (done || controller.signal.aborted) return;
    options.logger?.warn('lease lost; the work stops', { ...options.fields, reason: message });
    controller.abort(new LeaseLostError(message));
  };

  const beat = async () => {
    const started = now();
    try {
      if (await options.renew()) {
        heldUntil = started + leaseMs;
      } else {
        lose('a renewal found the lease expired or held by another worker');
        return;
      }
    } catch (error) {
      // The lease may still be ours (the database blipped); it is given up only once it has surely run out.
      options.logger?.warn('lease renewal failed', { ...options.fields, ...errorFields(error) });
      if (now() >= heldUntil) {
        lose('renewals failed until the lease ran out');
        return;
      }
    }
    schedule();
  };

  const schedule = () => {
    if (done) return;
    timer = setTimeout(() => void beat(), Math.max(1, Math.floor(leaseMs / 3)));
  };

  schedule();
  try {
    return await work(controller.signal);
  } finally {
    done = true;
    clearTimeout(timer);
  }
}
