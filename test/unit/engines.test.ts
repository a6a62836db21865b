/**
 * `engines` states the Node.js version the code needs: `crypto.hash` (the replay key) exists from
 * Node.js 20.12.0 on, so an older runtime would fail on the first decision, not at install.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as Record<string, any>;

/** The lower bound of a `>=x.y[.z]` range as [major, minor, patch]. */
function lowerBound(range: string): number[] {
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  expect(m, `engines.node "${range}" is a plain >= range`).not.toBeNull();
  return [Number(m![1]), Number(m![2] ?? 0), Number(m![3] ?? 0)];
}

const atLeast = (v: number[], min: number[]) => v[0]! > min[0]! || (v[0] === min[0] && (v[1]! > min[1]! || (v[1] === min[1] && v[2]! >= min[2]!)));

describe('engines', () => {
  it('requires Node.js 20.12 or later (crypto.hash), in package.json and its lock file', () => {
    const pkg = read('package.json');
    const lock = read('package-lock.json');
    expect(atLeast(lowerBound(pkg['engines']['node']), [20, 12, 0])).toBe(true);
    expect(lock['packages']['']['engines']['node']).toBe(pkg['engines']['node']);
  });
});
