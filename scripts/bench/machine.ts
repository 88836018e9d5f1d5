import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { machineCpuSeconds } from './readCpu.ts';
import { num } from './summarize.ts';

/** Cores kept busy by everything on the machine over the next second (before our servers start, that is others). */
export async function backgroundLoad(): Promise<number> {
  const a = machineCpuSeconds();
  await new Promise((r) => setTimeout(r, 1000));
  const b = machineCpuSeconds();
  return (b.busy - a.busy) / ((b.total - a.total) / os.availableParallelism());
}

/** Wait up to maxSeconds for the machine to be quiet (under a quarter of a core busy), so other people's work on a
 * shared machine does not land in a measurement. */
export async function waitForQuiet(maxSeconds: number): Promise<void> {
  if (maxSeconds <= 0) return;
  const deadline = performance.now() + maxSeconds * 1000;
  let load = await backgroundLoad();
  while (load > 0.25 && performance.now() < deadline) load = await backgroundLoad();
  if (load > 0.25) console.log(`    (machine still busy: ${num(load, 2)} cores in use by other processes)`);
}

/** One line describing the machine a benchmark ran on. */
export function machineLine(): string {
  const cpus = os.cpus();
  return (
    `machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ` +
    `${num(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`
  );
}
