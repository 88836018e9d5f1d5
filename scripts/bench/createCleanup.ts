/** Undo steps run last-in first-out, once, on normal exit, on error and on SIGINT/SIGTERM. */
export interface Cleanup {
  /** Register an undo step (e.g. stop a child process, remove a cluster). */
  add(step: () => Promise<void>): void;
  /** Run every registered step (each at most once); errors are reported and do not stop the others. */
  run(): Promise<void>;
}

/** Create the cleanup stack and hook it to SIGINT/SIGTERM, so an interrupted benchmark leaves no server or cluster
 * behind. */
export function createCleanup(): Cleanup {
  const steps: (() => Promise<void>)[] = [];
  const run = async (): Promise<void> => {
    while (steps.length > 0) {
      const step = steps.pop();
      try {
        await step?.();
      } catch (error) {
        console.error(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping servers and databases...`);
    void run().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { add: (step) => void steps.push(step), run };
}
