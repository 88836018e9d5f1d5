import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Resident memory of a process over one phase, in MiB; slope in MiB per minute. */
export interface RssSummary {
  samples: number;
  startMb: number;
  peakMb: number;
  endMb: number;
  /** Highest RSS in the first and in the second half of the phase. */
  firstHalfPeakMb: number;
  lastHalfPeakMb: number;
  /** Least-squares slope of RSS over the last half of the phase; null when that half has fewer than 4 samples. */
  lastHalfSlopeMbPerMin: number | null;
}

/** VmRSS of a live process in MiB (Linux /proc), or null when it cannot be read. */
export function readRssMb(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}

function slope(points: readonly [number, number][]): number | null {
  if (points.length < 4) return null;
  const n = points.length;
  const meanT = points.reduce((s, [t]) => s + t, 0) / n;
  const meanR = points.reduce((s, [, r]) => s + r, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, r] of points) {
    num += (t - meanT) * (r - meanR);
    den += (t - meanT) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** Sample a process's RSS every `intervalMs` (first sample now) until `stop()`, which takes a last sample and
 * summarises the series. */
export function sampleRss(pid: number, intervalMs = 250): { stop(): RssSummary } {
  const started = performance.now();
  const points: [number, number][] = [];
  const take = () => {
    const rss = readRssMb(pid);
    if (rss !== null) points.push([(performance.now() - started) / 60_000, rss]);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const end = points.at(-1)?.[0] ?? 0;
      const peak = (half: [number, number][]) => Math.max(...half.map(([, r]) => r));
      return {
        samples: points.length,
        startMb: points[0]?.[1] ?? Number.NaN,
        peakMb: Math.max(...points.map(([, r]) => r)),
        endMb: points.at(-1)?.[1] ?? Number.NaN,
        firstHalfPeakMb: peak(points.filter(([t]) => t < end / 2)),
        lastHalfPeakMb: peak(points.filter(([t]) => t >= end / 2)),
        lastHalfSlopeMbPerMin: slope(points.filter(([t]) => t >= end / 2)),
      };
    },
  };
}
