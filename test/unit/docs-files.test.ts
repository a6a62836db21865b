/**
 * Every repository file the local and deployment docs name exists (a newcomer copies these commands
 * verbatim: `events/rest-token.json` once named a file that was never there).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = ['local/README.md', 'events/README.md', 'config/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Files the user or a tool creates; the docs name them on purpose. */
const CREATED = [/^config\/(?!.*\.example\.json$)[\w-]+\.json$/, /^bench\/\.results\//, /^\.local\//, /^cdk\.out\//];

/** Repository paths in backticks or plain text (`events/x.json`), and relative markdown link targets. */
function namedFiles(doc: string, text = readFileSync(join(ROOT, doc), 'utf8')): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?<![\w./<-])((?:events|local|cdk|config|docs|bench|lib|functions|test)\/[\w./-]*\.(?:json|ts|md|ya?ml))\b/g)) found.add(m[1]!);
  for (const m of text.matchAll(/\]\(((?!https?:|#)[^)#\s]+)(?:#[^)]*)?\)/g)) {
    const abs = resolve(ROOT, dirname(doc), m[1]!);
    found.add(abs.slice(ROOT.length));
  }
  return [...found].filter((p) => !CREATED.some((re) => re.test(p)));
}

describe.each(DOCS)('%s', (doc) => {
  it('names only files that exist', () => {
    const names = namedFiles(doc);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });
});

describe('the checker itself', () => {
  it('would catch the file name the invoke example used to give, and a broken relative link', () => {
    const names = namedFiles('local/README.md', 'npm run invoke -- events/rest-token.json and [x](../docs/nope.md), not events/<stage>.json');
    expect(names).toEqual(['events/rest-token.json', 'docs/nope.md']);
    expect(names.filter((p) => !existsSync(join(ROOT, p)))).toEqual(names);
  });
});
