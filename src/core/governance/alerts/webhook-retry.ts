/** How failed webhook deliveries are retried: doubling waits, capped, then given up (the entry stays in the outbox). */
export interface RetryPolicy {
  /** The wait after the first failure. */
  firstDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
  /** Attempts in all; after the last one fails the entry is kept, marked abandoned, not deleted. */
  maxAttempts: number;
}

/** 10 s, 20 s, 40 s … capped at an hour, 30 attempts: a receiver down for a day still gets every incident. */
export const defaultRetryPolicy: RetryPolicy = { firstDelayMs: 10_000, maxDelayMs: 3_600_000, maxAttempts: 30 };

/** When to try again after `attempts` failed attempts, or null to give up. */
export function nextAttemptDelayMs(attempts: number, policy: RetryPolicy): number | null {
  if (attempts >= policy.maxAttempts) return null;
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, attempts - 1));
}
