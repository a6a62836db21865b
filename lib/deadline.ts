/**
 * Per-request deadlines. The handler derives one from the Lambda's remaining time minus a margin for
 * logging and answering; every wait of the decision (JWKS, replay table) ends by it, so a slow
 * dependency yields our own 500 and its decision line instead of Lambda killing the call.
 */

/** What one call may spend. */
export interface CallLimits {
  /**
   * Milliseconds since the epoch on `Date.now`'s clock (real time, not a test's token clock) at which
   * the call stops waiting. Undefined: only each dependency's own cap applies.
   */
  readonly deadline?: number | undefined;
}

/**
 * How long a wait may last: the time left before `deadline`, never more than `capMs`, never negative.
 * @param now milliseconds since the epoch (real time)
 */
export function waitBudget(deadline: number | undefined, capMs: number, now: number): number {
  if (deadline === undefined) return capMs;
  return Math.max(0, Math.min(capMs, Math.floor(deadline - now)));
}

/**
 * Settles with `work`, or rejects with `onTimeout()` after `ms`, whichever comes first. The work keeps
 * running (a JWKS fetch still fills the cache for the next call); only this wait ends.
 */
export function raceBudget<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    // A pending timer must not keep a process (a CLI, a test worker) alive.
    timer.unref?.();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
