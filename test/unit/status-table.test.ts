/**
 * The status table users read (docs/how-it-decides.md) lists every reason code in the row of the status
 * API Gateway gives it, so the docs cannot drift from `ERROR_CODES`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../lib/errors.js';

const DOC = readFileSync(new URL('../../docs/how-it-decides.md', import.meta.url), 'utf8');
const STATUS_OF = { unauthorized: '401', forbidden: '403', internal: '500' } as const;

function rowCodes(status: string): string[] {
  const row = DOC.split('\n').find((line) => line.startsWith(`| ${status} |`));
  return row ? [...row.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!) : [];
}

describe('docs/how-it-decides.md status table', () => {
  it.each(Object.entries(STATUS_OF))('the %s row (%s) lists exactly the codes of that kind', (kind, status) => {
    const expected = Object.entries(ERROR_CODES).filter(([, k]) => k === kind).map(([code]) => code).sort();
    expect(rowCodes(status).sort()).toEqual(expected);
  });
});
