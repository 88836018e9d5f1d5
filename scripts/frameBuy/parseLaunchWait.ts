/** What `frame:buy` needs from a refused HTTP answer: its status, its Retry-After header and its body text. */
export interface RefusedAnswer {
  status: number;
  retryAfter: string | null;
  body: string;
}

const MAX_WAIT_SECONDS = 600;

/** The seconds to wait before buying again when the answer is the launch-window refusal (409 from a coin younger than
 * BUY_LAUNCH_GUARD_SECONDS), else null. Retry-After (delay-seconds, RFC 9110 10.2.3) wins; an older server that sends
 * none is understood from its message, "Coin just launched; try again in N s". Any other refusal is null: not ours to
 * wait out. Pure. */
export function parseLaunchWait(answer: RefusedAnswer): number | null {
  if (answer.status !== 409) return null;
  const header = answer.retryAfter?.trim() ?? '';
  if (/^\d{1,6}$/.test(header)) return Math.min(Number(header), MAX_WAIT_SECONDS);
  const said = /try again in (\d{1,6}) s\b/.exec(refusalMessage(answer.body));
  return said?.[1] === undefined ? null : Math.min(Number(said[1]), MAX_WAIT_SECONDS);
}

/** The refusal's short message: `message` (frames v1 answers) or `error` (JSON API), else the body's first line. */
export function refusalMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const { message, error } = parsed as { message?: unknown; error?: unknown };
      if (typeof message === 'string') return message;
      if (typeof error === 'string') return error;
    }
  } catch {}
  return (body.split('\n')[0] ?? '').trim().slice(0, 200);
}

/** The line said while waiting, e.g. "coin launched 3 s ago; waiting 12 s for the launch window" (the age is left out
 * when the coin's creation time is unknown). */
export function describeLaunchWait(waitSeconds: number, ageSeconds: number | null): string {
  const wait = `waiting ${waitSeconds} s for the launch window`;
  return ageSeconds === null || !(ageSeconds >= 0)
    ? `coin just launched; ${wait}`
    : `coin launched ${Math.floor(ageSeconds)} s ago; ${wait}`;
}
