/** The OpenAPI tooling stays tooling: the library and the Lambda entry point never import it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support.js';

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ROOT, dir, f));
}

describe('tools/openapi', () => {
  it('is imported by nothing in lib/ or functions/ (so never by the Lambda bundle), nor are its parsers', () => {
    const files = [...sources('lib'), ...sources('functions')];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from ['"][^'"]*tools\//);
      expect(text, file).not.toMatch(/from ['"](yaml|@apidevtools\/swagger-parser)['"]/);
    }
  });
});
