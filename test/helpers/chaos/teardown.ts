/** TEARDOWN_STEP_TIMEOUT_MS bounds each step of a Teardown. */
const TEARDOWN_STEP_TIMEOUT_MS = 20_000;

/**
 * Teardown collects the stop steps of everything a chaos run started and runs them once,
 * newest first, whether the run ends, fails or is interrupted. A step that fails or takes
 * over TEARDOWN_STEP_TIMEOUT_MS is reported and skipped, so one hung server never keeps the
 * others running.
 */
export class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  /** add registers a stop step. */
  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  /** runAll runs every step registered so far, newest first; `log` hears about failed steps. */
  async runAll(log: (line: string) => void): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), TEARDOWN_STEP_TIMEOUT_MS);
      });
      try {
        await Promise.race([step.run(), timeout]);
      } catch (err) {
        log(`teardown: ${step.name}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
