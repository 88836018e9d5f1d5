import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, starting with field 3 (state).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

const field = (f: string[], n: number) => Number(f[n - 3] ?? 0);

/** CPU seconds (user + system) a process has used so far, optionally with its reaped children (Linux /proc). */
export function processCpuSeconds(pid: number, withReapedChildren = false): number {
  const f = statFields(pid);
  if (f === null) return 0;
  const own = field(f, 14) + field(f, 15);
  return (withReapedChildren ? own + field(f, 16) + field(f, 17) : own) / TICKS_PER_SECOND;
}

/** CPU seconds of a PostgreSQL cluster: the postmaster, its exited backends (reaped by it) and its live children. */
export function clusterCpuSeconds(postmasterPid: number): number {
  let total = processCpuSeconds(postmasterPid, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f !== null && field(f, 4) === postmasterPid) total += (field(f, 14) + field(f, 15)) / TICKS_PER_SECOND;
  }
  return total;
}

/** Whole-machine CPU time so far, busy and total, in seconds summed over all cores (/proc/stat). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return { busy: busy / TICKS_PER_SECOND, total: (busy + (idle ?? 0) + (iowait ?? 0)) / TICKS_PER_SECOND };
}
