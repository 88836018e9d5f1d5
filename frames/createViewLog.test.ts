import { describe, expect, it, vi } from 'vitest';
import type { FrameViewRecord } from '../src/farcaster/frameActionRecord.ts';
import type { Logger } from '../src/support/logger.ts';
import { createViewLog } from './createViewLog.ts';

const view = (n: number): FrameViewRecord => ({
  castHash: `0x${n.toString(16).padStart(40, '0')}`,
  kind: 'frame',
  at: new Date(0),
});

function recordingLogger() {
  const warnings: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (msg, fields) => warnings.push({ msg, fields }),
    error() {},
  };
  return { logger, warnings };
}

describe('createViewLog', () => {
  it('writes a batch a second after the first view, in one call', async () => {
    vi.useFakeTimers();
    try {
      const writes: FrameViewRecord[][] = [];
      const log = createViewLog({ write: async (v) => writes.push(v), logger: recordingLogger().logger });
      log.record(view(1));
      log.record(view(2));
      await vi.advanceTimersByTimeAsync(999);
      expect(writes).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(writes.map((w) => w.length)).toEqual([2]);
      expect(log.pending()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes as soon as a batch is full, in batches of at most batchSize', async () => {
    const writes: number[] = [];
    const log = createViewLog({
      write: async (v) => writes.push(v.length),
      logger: recordingLogger().logger,
      batchSize: 3,
    });
    for (let i = 0; i < 7; i++) log.record(view(i));
    await log.flush();
    expect(writes).toEqual([3, 3, 1]);
    await log.stop();
  });

  it('logs a failed write, drops its views and keeps going', async () => {
    const { logger, warnings } = recordingLogger();
    let fail = true;
    const written: number[] = [];
    const log = createViewLog({
      write: async (v) => {
        if (fail) throw new Error('database down');
        written.push(v.length);
      },
      logger,
    });
    log.record(view(1));
    await expect(log.flush()).resolves.toBeUndefined();
    expect(warnings[0]).toMatchObject({
      msg: 'frame views not recorded',
      fields: { views: 1, error: 'database down' },
    });
    fail = false;
    log.record(view(2));
    await log.stop();
    expect(written).toEqual([1]);
  });

  it('counts views of one cast and kind in a window as one record', async () => {
    const writes: FrameViewRecord[][] = [];
    const log = createViewLog({ write: async (v) => writes.push(v), logger: recordingLogger().logger });
    for (let i = 0; i < 1000; i++) log.record(view(1));
    log.record({ ...view(1), kind: 'image' });
    expect(log.pending()).toBe(1001);
    await log.stop();
    expect(writes).toEqual([
      [
        { ...view(1), count: 1000 },
        { ...view(1), kind: 'image', count: 1 },
      ],
    ]);
    expect(log.pending()).toBe(0);
  });

  it('keeps at most maxPending views queued, dropping the oldest', async () => {
    const { logger, warnings } = recordingLogger();
    const written: FrameViewRecord[] = [];
    const log = createViewLog({ write: async (v) => written.push(...v), logger, batchSize: 100, maxPending: 3 });
    for (let i = 0; i < 5; i++) log.record(view(i));
    expect(log.pending()).toBe(3);
    await log.stop();
    expect(written.map((v) => v.castHash)).toEqual([view(2), view(3), view(4)].map((v) => v.castHash));
    expect(warnings.some((w) => w.msg === 'frame views dropped: queue full')).toBe(true);
  });
});
