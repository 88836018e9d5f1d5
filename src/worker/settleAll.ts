/** Wait until every promise in `work` has settled, including promises added to the list while waiting: work that
 * goes on to start more work registers it a few microtasks after its first step settles, so each round ends with a
 * macrotask turn before looking again. Never rejects. */
export async function settleAll(work: readonly Promise<unknown>[]): Promise<void> {
  let seen = 0;
  while (seen < work.length) {
    const batch = work.slice(seen);
    seen = work.length;
    await Promise.allSettled(batch);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
