import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdLease, LeaseLostError } from './holdLease.ts';

/** Work that runs until `finish` is called, recording what it saw of its signal. */
function controllableWork() {
  let finish: (value: string) => void = () => {};
  let seen: AbortSignal | null = null;
  const work = (signal: AbortSignal) => {
    seen = signal;
    return new Promise<string>((resolve) => {
      finish = resolve;
    });
  };
  return { work, finish: (value: string) => finish(value), signal: () => seen as AbortSignal | null };
}

describe('holdLease', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews every third of the lease while the work runs, and stops when it ends', async () => {
    const renew = vi.fn(async () => true);
    const { work, finish, signal } = controllableWork();
    const held = holdLease({ leaseSeconds: 15, renew }, work);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(renew).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(renew).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renew).toHaveBeenCalledTimes(13);
    finish('done');
    await expect(held).resolves.toBe('done');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renew).toHaveBeenCalledTimes(13);
    expect(signal()?.aborted).toBe(false);
  });

  it('never renews work that ends within the first third, and passes its error through', async () => {
    const renew = vi.fn(async () => true);
    await expect(holdLease({ leaseSeconds: 15, renew }, async () => 7)).resolves.toBe(7);
    await expect(
      holdLease({ leaseSeconds: 15, renew }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renew).not.toHaveBeenCalled();
  });

  it('aborts the signal with LeaseLostError when a renewal says the lease is lost, and renews no more', async () => {
    const answers = [true, false];
    const renew = vi.fn(async () => answers.shift() ?? true);
    const { work, finish, signal } = controllableWork();
    const held = holdLease({ leaseSeconds: 3, renew }, work);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(signal()?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(signal()?.aborted).toBe(true);
    expect(signal()?.reason).toBeInstanceOf(LeaseLostError);
    expect(signal()?.reason).toMatchObject({ name: 'Jobs.LeaseLostError' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renew).toHaveBeenCalledTimes(2);
    finish('stopped');
    await expect(held).resolves.toBe('stopped');
  });

  it('keeps going through failing renewals while the last renewed lease lasts, then gives the work up', async () => {
    let failing = false;
    const renew = vi.fn(async () => {
      if (failing) throw new Error('database unreachable');
      return true;
    });
    const { work, finish, signal } = controllableWork();
    const held = holdLease({ leaseSeconds: 3, renew }, work);
    await vi.advanceTimersByTimeAsync(1_000);
    // Renewed at t=1 s: the lease runs to t=4 s. Renewals fail from t=2 s on.
    failing = true;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(signal()?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(signal()?.aborted).toBe(true);
    finish('stopped');
    await expect(held).resolves.toBe('stopped');
  });

  it('recovers from a failing renewal when the next one succeeds', async () => {
    const answers: (boolean | Error)[] = [new Error('blip'), true, true];
    const renew = vi.fn(async () => {
      const next = answers.shift() ?? true;
      if (next instanceof Error) throw next;
      return next;
    });
    const { work, finish, signal } = controllableWork();
    const held = holdLease({ leaseSeconds: 3, renew }, work);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renew).toHaveBeenCalledTimes(10);
    expect(signal()?.aborted).toBe(false);
    finish('done');
    await expect(held).resolves.toBe('done');
  });
});
