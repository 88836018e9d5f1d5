import { describe, expect, it } from 'vitest';
import { parseAnalyticsWindow } from './parseAnalyticsWindow.ts';

const now = new Date('2026-11-30T13:25:10.000Z');

describe('parseAnalyticsWindow', () => {
  it('defaults to 48 whole hours or 30 whole UTC days ending with the current one', () => {
    expect(parseAnalyticsWindow({}, now)).toEqual({
      ok: true,
      window: { bucket: 'hour', from: new Date('2026-11-28T14:00:00.000Z'), to: now },
    });
    expect(parseAnalyticsWindow({ bucket: 'day' }, now)).toEqual({
      ok: true,
      window: { bucket: 'day', from: new Date('2026-11-01T00:00:00.000Z'), to: now },
    });
  });

  it('takes explicit ISO bounds and refuses everything else with a short reason', () => {
    const window = parseAnalyticsWindow({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00.5+01:00' }, now);
    expect(window.ok && window.window.to.toISOString()).toBe('2026-11-01T23:00:00.500Z');
    const refusals: [Record<string, string>, string][] = [
      [{ bucket: 'minute' }, 'bucket must be hour or day'],
      [{ from: '1' }, 'from must be an ISO 8601 timestamp'],
      [{ to: 'Jan 1' }, 'to must be an ISO 8601 timestamp'],
      [{ from: '2026-02-30T00:00:00Z' }, 'from must be an ISO 8601 timestamp'],
      [{ from: '2026-11-30T14:00:00Z' }, 'from must be before to'],
      [{ from: '2026-10-01T00:00:00Z' }, 'at most 744 hour buckets per request'],
      [{ bucket: 'day', from: '2025-01-01T00:00:00Z' }, 'at most 366 day buckets per request'],
      [{ cursor: 'x' }, 'unknown parameter cursor'],
    ];
    for (const [query, message] of refusals) expect(parseAnalyticsWindow(query, now)).toEqual({ ok: false, message });
  });
});
