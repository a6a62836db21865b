/**
 * What the OpenAPI tooling works on: a document whose `$ref`s are resolved where the analysis reads
 * them, the file it came from, and a way back from a JSON pointer to a line of that file.
 *
 * Tooling only: nothing in `lib/` or `functions/` imports `tools/`, so none of it reaches the Lambda bundle.
 */

/** A line and column in a source file, both 1-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A loaded OpenAPI document. */
export interface LoadedDocument {
  /** The file as the caller named it (used in messages and SARIF locations). */
  readonly file: string;
  /** The parsed document: path items and security schemes are never `$ref`s here. */
  readonly document: Readonly<Record<string, unknown>>;
  /** Where the node at a JSON pointer starts in the file (its nearest existing ancestor if it came from a `$ref`). */
  readonly locate: (pointer: string) => Position | undefined;
}

/** A document that cannot be analysed at all (unreadable, invalid, no scheme to pick): no table, no findings. */
export class OpenApiError extends Error {
  override readonly name = 'OpenApiError';
}

/** A plain object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses anything but OpenAPI 3.0 and 3.1: Swagger 2.0 declares security differently. */
export function checkVersion(file: string, document: unknown): asserts document is Record<string, unknown> {
  if (!isObject(document)) throw new OpenApiError(`${file}: not an OpenAPI document (the top level is not an object)`);
  const version = document['openapi'];
  if (typeof version !== 'string' || !/^3\.[01]\.\d+$/.test(version)) {
    const found = typeof version === 'string' ? `openapi: ${version}` : document['swagger'] !== undefined ? `swagger: ${String(document['swagger'])}` : 'no "openapi" field';
    throw new OpenApiError(`${file}: only OpenAPI 3.0 and 3.1 documents are supported (found ${found})`);
  }
}
