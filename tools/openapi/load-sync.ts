/**
 * Loads an OpenAPI document synchronously, for places that cannot await (a CDK construct's
 * constructor). It parses YAML or JSON with `yaml` and resolves only the `$ref`s the route analysis
 * reads (path items and security schemes), and only local ones (`#/...`). It does not validate the
 * document against the OpenAPI schema: `npm run routes -- --check` (Swagger Parser) does that in CI.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { checkVersion, isObject, OpenApiError, type LoadedDocument } from './document.js';
import { lineLocator } from './locate.js';
import { parsePointer } from './pointer.js';

const MAX_REF_HOPS = 32;

/** Reads and parses `file`, resolving local `$ref`s of path items and security schemes. */
export function loadOpenApiSync(file: string): LoadedDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OpenApiError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // `merge: true` reads `<<` merge keys as js-yaml (inside Swagger Parser) does.
  const parsed = parseDocument(text, { uniqueKeys: true, merge: true });
  if (parsed.errors.length > 0) throw new OpenApiError(`${file} is not valid YAML or JSON: ${parsed.errors[0]!.message.split('\n')[0]}`);
  const root: unknown = parsed.toJS({ maxAliasCount: 100 });
  checkVersion(file, root);
  return { file, document: resolveAnalysedRefs(file, root), locate: lineLocator(text) };
}

/** A copy of `root` whose path items and security schemes are the objects their `$ref`s point to. */
export function resolveAnalysedRefs(file: string, root: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...root };
  if (isObject(root['paths'])) {
    out['paths'] = Object.fromEntries(Object.entries(root['paths']).map(([path, item]) => [path, follow(file, root, item, `paths["${path}"]`)]));
  }
  const components = root['components'];
  if (isObject(components) && isObject(components['securitySchemes'])) {
    const schemes = Object.fromEntries(
      Object.entries(components['securitySchemes']).map(([name, s]) => [name, follow(file, root, s, `components.securitySchemes.${name}`)]),
    );
    out['components'] = { ...components, securitySchemes: schemes };
  }
  return out;
}

function follow(file: string, root: Record<string, unknown>, node: unknown, where: string): unknown {
  let current = node;
  for (let hop = 0; hop < MAX_REF_HOPS; hop++) {
    if (!isObject(current) || typeof current['$ref'] !== 'string') return current;
    const ref = current['$ref'];
    if (!ref.startsWith('#')) {
      throw new OpenApiError(
        `${file}: ${where} has $ref "${ref}" to another file; only local references (#/...) are resolved here. ` +
          'Bundle the document into one file, or generate the table with npm run routes and pass it as routes.',
      );
    }
    let target: unknown = root;
    for (const token of parsePointer(ref.slice(1))) {
      target = isObject(target) ? target[token] : Array.isArray(target) && /^\d+$/.test(token) ? target[Number(token)] : undefined;
      if (target === undefined) throw new OpenApiError(`${file}: ${where} has $ref "${ref}", which points to nothing`);
    }
    current = target;
  }
  throw new OpenApiError(`${file}: ${where}: $ref chain longer than ${MAX_REF_HOPS} (a loop?)`);
}
