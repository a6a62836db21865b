/**
 * An issuer's `scopeMap` (design §9): its scope names translated into the route table's, so one table
 * serves issuers that name scopes differently. A scope not in the map passes through unchanged.
 */

/** Results per map and per shared scope set (string claims yield shared sets, see scopes.ts). */
const translated = new WeakMap<ReadonlyMap<string, string>, WeakMap<ReadonlySet<string>, ReadonlySet<string>>>();

/** The scopes with every mapped name replaced by its translation; the same set when there is no map. */
export function translateScopes(scopes: ReadonlySet<string>, map: ReadonlyMap<string, string> | undefined): ReadonlySet<string> {
  if (!map) return scopes;
  let byScopes = translated.get(map);
  if (!byScopes) translated.set(map, (byScopes = new WeakMap()));
  let result = byScopes.get(scopes);
  if (!result) {
    const out = new Set<string>();
    for (const scope of scopes) out.add(map.get(scope) ?? scope);
    result = out;
    byScopes.set(scopes, result);
  }
  return result;
}
