/** JSON pointers (RFC 6901): how findings name a place in a document. */

/** The pointer of a list of tokens, e.g. `['paths', '/orders/{id}', 'get']` → `/paths/~1orders~1{id}/get`. */
export function toPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => `/${String(t).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The tokens of a pointer; `''` is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}
