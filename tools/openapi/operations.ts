/**
 * The operations of a document, each with its effective security (design §11): the operation's own
 * `security` overrides the root-level one; `security: []` on an operation makes it public.
 */
import { isObject, OpenApiError, type LoadedDocument } from './document.js';
import { toPointer } from './pointer.js';

/** Operation keys of a path item (OpenAPI 3.0/3.1), in the order entries are listed. */
export const OPENAPI_METHODS = ['get', 'head', 'options', 'post', 'put', 'patch', 'delete', 'trace'] as const;
/** API Gateway's extension for "every method" on a path item. */
export const ANY_METHOD_EXTENSION = 'x-amazon-apigateway-any-method';
/** Operation-level extension listing warning rules to ignore for that operation (errors cannot be ignored). */
export const LINT_IGNORE_EXTENSION = 'x-authorizer-lint-ignore';

/** One security requirement: scheme name → scopes. All schemes of one requirement apply together. */
export type Requirement = Readonly<Record<string, readonly string[]>>;

/** One operation of the document. */
export interface Operation {
  /** `GET`, `POST`, …, or `ANY` for `x-amazon-apigateway-any-method`. */
  readonly method: string;
  /** The path template exactly as the document writes it. */
  readonly path: string;
  /** `GET /orders/{id}`. */
  readonly label: string;
  /** `/paths/~1orders~1{id}/get`. */
  readonly pointer: string;
  /** The alternatives that apply (any one suffices), or `undefined` when neither the operation nor the root declares any. */
  readonly security: readonly Requirement[] | undefined;
  /** Where `security` came from. */
  readonly securityFrom: 'operation' | 'root' | 'none';
  /** Warning rule ids this operation ignores. */
  readonly ignore: readonly string[];
}

/** Every operation of the document, in document order. Throws `OpenApiError` on a malformed structure. */
export function listOperations(loaded: LoadedDocument): Operation[] {
  const { document: doc, file } = loaded;
  const rootSecurity = doc['security'] === undefined ? undefined : readSecurity(file, doc['security'], '/security');
  const paths = doc['paths'];
  if (paths === undefined) return [];
  if (!isObject(paths)) throw new OpenApiError(`${file}: /paths must be an object`);
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (path.startsWith('x-')) continue; // a specification extension of the Paths Object, not a path
    if (!isObject(item)) throw new OpenApiError(`${file}: ${toPointer(['paths', path])} must be an object`);
    const keys = [...OPENAPI_METHODS, ANY_METHOD_EXTENSION].filter((k) => item[k] !== undefined);
    for (const key of keys) {
      const op = item[key];
      const pointer = toPointer(['paths', path, key]);
      if (!isObject(op)) throw new OpenApiError(`${file}: ${pointer} must be an object`);
      const method = key === ANY_METHOD_EXTENSION ? 'ANY' : key.toUpperCase();
      const own = op['security'] === undefined ? undefined : readSecurity(file, op['security'], `${pointer}/security`);
      // A root-level `security: []` (or `[{}]`) declares nothing: only an operation's own `security: []`
      // makes it public, so an operation without its own stays unprotected and is reported.
      const fromRoot = own === undefined && rootSecurity !== undefined && rootSecurity.some((req) => Object.keys(req).length > 0);
      operations.push({
        method,
        path,
        label: `${method} ${path}`,
        pointer,
        security: own ?? (fromRoot ? rootSecurity : undefined),
        securityFrom: own !== undefined ? 'operation' : fromRoot ? 'root' : 'none',
        ignore: readIgnore(file, op[LINT_IGNORE_EXTENSION], `${pointer}/${LINT_IGNORE_EXTENSION}`),
      });
    }
  }
  return operations;
}

function readSecurity(file: string, value: unknown, pointer: string): Requirement[] {
  if (!Array.isArray(value)) throw new OpenApiError(`${file}: ${pointer} must be an array of security requirements`);
  return value.map((req, i) => {
    if (!isObject(req)) throw new OpenApiError(`${file}: ${pointer}/${i} must be an object`);
    for (const [scheme, scopes] of Object.entries(req)) {
      if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string')) {
        throw new OpenApiError(`${file}: ${pointer}/${i}/${scheme} must be an array of scope strings`);
      }
    }
    return req as Requirement;
  });
}

function readIgnore(file: string, value: unknown, pointer: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new OpenApiError(`${file}: ${pointer} must be an array of rule ids`);
  return value as string[];
}

/** The security schemes of `components.securitySchemes` (already resolved). */
export function securitySchemes(loaded: LoadedDocument): Readonly<Record<string, Record<string, unknown>>> {
  const components = loaded.document['components'];
  const schemes = isObject(components) ? components['securitySchemes'] : undefined;
  if (schemes === undefined) return {};
  if (!isObject(schemes)) throw new OpenApiError(`${loaded.file}: /components/securitySchemes must be an object`);
  for (const [name, s] of Object.entries(schemes)) {
    if (!isObject(s)) throw new OpenApiError(`${loaded.file}: /components/securitySchemes/${name} must be an object`);
  }
  return schemes as Record<string, Record<string, unknown>>;
}

/** The extension that marks a scheme as an API Gateway Lambda authorizer. */
export const AUTHORIZER_EXTENSION = 'x-amazon-apigateway-authorizer';

/**
 * The scheme the authorizer enforces: `requested` when given (it must exist), else the one scheme
 * carrying `x-amazon-apigateway-authorizer`. Throws when there is none or more than one.
 */
export function chooseScheme(loaded: LoadedDocument, requested: string | undefined): string {
  const schemes = securitySchemes(loaded);
  const names = Object.keys(schemes);
  if (requested !== undefined) {
    if (!Object.hasOwn(schemes, requested)) {
      throw new OpenApiError(`${loaded.file}: no security scheme "${requested}" in components.securitySchemes (found: ${names.join(', ') || 'none'})`);
    }
    return requested;
  }
  const marked = names.filter((n) => schemes[n]![AUTHORIZER_EXTENSION] !== undefined);
  if (marked.length === 1) return marked[0]!;
  if (marked.length === 0) {
    throw new OpenApiError(`${loaded.file}: no security scheme has ${AUTHORIZER_EXTENSION}; name the authorizer's scheme with --scheme (found: ${names.join(', ') || 'none'})`);
  }
  throw new OpenApiError(`${loaded.file}: several security schemes have ${AUTHORIZER_EXTENSION} (${marked.join(', ')}); choose one with --scheme`);
}
