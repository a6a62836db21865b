/**
 * The deadline of one invocation: Lambda's remaining time minus a margin reserved to build the answer
 * and write the decision line, so a slow JWKS or a silent DynamoDB ends in our own 500 and its line,
 * never in Lambda killing the call.
 */
import type { Context } from 'aws-lambda';

/** Reserved after the deadline for the response and the decision line. */
export const DEADLINE_MARGIN_MS = 500;

/**
 * Epoch milliseconds (real time) by which every wait of this call must end; undefined when the context
 * cannot tell the remaining time (a caller outside Lambda), where each dependency's own cap applies.
 * @param now `Date.now()` at the start of the call
 */
export function requestDeadline(context: Context | undefined, now: number): number | undefined {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return undefined;
  return now + remaining - DEADLINE_MARGIN_MS;
}
