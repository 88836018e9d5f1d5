/** A benchmark's integer flag: `fallback` when absent, else an integer from 1 (0 with `zero`) to `max`, or an error
 * naming the flag. */
export function positive(value: string | undefined, flag: string, fallback: number, max: number, zero = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < (zero ? 0 : 1) || n > max) {
    throw new Error(`--${flag} must be an integer from ${zero ? 0 : 1} to ${max}`);
  }
  return n;
}
