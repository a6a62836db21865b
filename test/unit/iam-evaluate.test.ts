/**
 * The IAM wildcard matcher: the same answers as a regular expression over `*` (any run, `/` included) and
 * `?` (one character), on random small inputs; and work that grows linearly with the ARN, where the
 * backtracking regular expression it replaced grew with the ARN's length to the power of the `*` count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arnPatternMatches, matcherWork } from '../../lib/iam-evaluate.js';

/** The reference: the regular expression the matcher replaced, safe on inputs this small. */
function reference(pattern: string, text: string): boolean {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${body}$`).test(text);
}

const stepsOf = (run: () => void): number => {
  const before = matcherWork.steps;
  run();
  return matcherWork.steps - before;
};

describe('arnPatternMatches', () => {
  it('agrees with the regular-expression semantics on random patterns and strings', () => {
    const pattern = fc.array(fc.constantFrom('a', 'b', '/', '*', '?', 'ab', '.', '+'), { maxLength: 8 }).map((p) => p.join(''));
    const text = fc.array(fc.constantFrom('a', 'b', '/', '.', '+', '*', '?'), { maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        expect(arnPatternMatches(p, t), `${p} vs ${t}`).toBe(reference(p, t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('examples: `*` spans `/` and matches nothing; `?` is one character; no partial matches', () => {
    expect(arnPatternMatches('GET/orders/*', 'GET/orders/1/secret')).toBe(true);
    expect(arnPatternMatches('GET/orders/*', 'GET/orders/')).toBe(true);
    expect(arnPatternMatches('GET/orders/*', 'GET/orders')).toBe(false);
    expect(arnPatternMatches('GET/o?ders', 'GET/orders')).toBe(true);
    expect(arnPatternMatches('GET/o?ders', 'GET/oders')).toBe(false);
    expect(arnPatternMatches('*//*', 'GET/a//b')).toBe(true);
    expect(arnPatternMatches('*/*/', 'GET/a/')).toBe(true);
    expect(arnPatternMatches('a*a', 'a')).toBe(false);
    expect(arnPatternMatches('GET/orders', 'GET/orders/1')).toBe(false);
  });

  it('does work linear in the ARN on the inputs that took a backtracking matcher seconds', () => {
    for (const n of [1000, 4000, 16_000]) {
      const arn = `GET/files${'/a'.repeat(n / 2)}`;
      for (const pattern of ['GET/files/*/*/*/meta', 'GET/*/*/*/*/*/report', '*//*', '*/*/', 'G?T/*/?/*/?/*/meta']) {
        const steps = stepsOf(() => expect(arnPatternMatches(pattern, arn)).toBe(false));
        expect(steps, `${pattern} on ${arn.length} chars`).toBeLessThanOrEqual(pattern.length * (arn.length + 2));
      }
      const matching = `${arn}/meta`;
      const steps = stepsOf(() => expect(arnPatternMatches('GET/files/*/*/*/meta', matching)).toBe(true));
      expect(steps).toBeLessThanOrEqual(4 * (matching.length + 2));
    }
  });
});
