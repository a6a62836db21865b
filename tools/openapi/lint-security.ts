/** Per-operation findings: who may call each operation, as the document declares it (design §11). */
import { isObject } from './document.js';
import { finding, type Finding } from './findings.js';
import type { OperationRoute } from './routes.js';

const ADMIN_SEGMENT = /(^|[^a-z])(admin|internal|debug)/i;

/** Whether a literal segment of the path looks administrative. */
export function looksAdministrative(path: string): boolean {
  return path.split('/').some((seg) => !seg.startsWith('{') && ADMIN_SEGMENT.test(seg));
}

/** Scopes an oauth2 scheme declares in any of its flows; `undefined` for other scheme types. */
function declaredScopes(scheme: Record<string, unknown>): Set<string> | undefined {
  if (scheme['type'] !== 'oauth2' || !isObject(scheme['flows'])) return undefined;
  const scopes = new Set<string>();
  for (const flow of Object.values(scheme['flows'])) {
    if (isObject(flow) && isObject(flow['scopes'])) Object.keys(flow['scopes']).forEach((s) => scopes.add(s));
  }
  return scopes;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((s) => sb.has(s));
}
const list = (scopes: readonly string[]) => (scopes.length ? scopes.join(' ') : '(none)');

/** The findings about one operation's security. */
export function lintOperation(r: OperationRoute, file: string, scheme: string, schemes: Readonly<Record<string, Record<string, unknown>>>): Finding[] {
  const op = r.operation;
  const at = { file, pointer: op.pointer, operation: op.label };
  const securityAt = { ...at, pointer: op.securityFrom === 'root' ? '/security' : `${op.pointer}/security` };
  const out: Finding[] = [];
  const example = `security: [{ ${scheme}: [<scope>] }]`;

  if (r.protection.kind === 'none') {
    out.push(finding('no-security', at, 'No security requirement on the operation and none at the document root: nothing protects it.', `Add \`${example}\` to the operation, or \`security: []\` if it is meant to be public.`));
    return out;
  }
  const alternatives = op.security ?? [];
  const empty = alternatives.filter((req) => Object.keys(req).length === 0);
  if (empty.length > 0 && empty.length < alternatives.length) {
    out.push(finding('optional-auth', securityAt, 'An empty requirement {} among the alternatives makes authentication optional.', 'Remove the `{}` alternative; declare a separate public operation with `security: []` if anonymous access is intended.'));
  }
  alternatives.forEach((req, i) => {
    for (const [name, scopes] of Object.entries(req)) {
      const where = { ...securityAt, pointer: `${securityAt.pointer}/${i}` };
      const def = schemes[name];
      if (def === undefined) {
        out.push(finding('unknown-scheme', where, `Security scheme "${name}" is not defined in components.securitySchemes.`, `Define "${name}" under components.securitySchemes, or name an existing scheme (the authorizer's is "${scheme}").`));
        continue;
      }
      const declared = declaredScopes(def);
      const undeclared = declared ? scopes.filter((s) => !declared.has(s)) : [];
      if (undeclared.length > 0) {
        out.push(finding('undeclared-scope', where, `Scope${undeclared.length > 1 ? 's' : ''} ${undeclared.map((s) => `"${s}"`).join(', ')} not declared by oauth2 scheme "${name}".`, `Declare ${undeclared.join(', ')} in a flow of "${name}", or fix the spelling.`));
      }
    }
  });
  if (r.protection.kind === 'ours') {
    const ours = alternatives.filter((req) => Object.hasOwn(req, scheme)).map((req) => req[scheme]!);
    const others = alternatives.filter((req) => Object.keys(req).length > 0 && !Object.hasOwn(req, scheme));
    if (ours.some((s) => !sameSet(s, ours[0]!))) {
      out.push(finding('scope-alternatives', securityAt, `Alternatives need different scopes (${ours.map(list).join(' | ')}); the table cannot express OR, so the entry requires ${list(r.protection.scopes)}.`, 'Split the operation, or require one set of scopes.'));
    } else if (others.length > 0) {
      out.push(finding('scope-alternatives', securityAt, `An alternative without scheme "${scheme}" (${others.map((o) => Object.keys(o).join('+')).join(' | ')}) cannot be honoured: the authorizer always requires its own token.`, `Require "${scheme}" in every alternative (combine schemes inside one requirement for AND).`));
    }
    if (r.routeError !== undefined) {
      out.push(finding('invalid-route', at, `No entry generated: ${r.routeError}.`, 'Use GET/HEAD/OPTIONS/POST/PUT/PATCH/DELETE (or x-amazon-apigateway-any-method) and whole-segment templates ({name}, a last {proxy+}), no trailing slash.'));
    }
    if (r.protection.scopes.length === 0) {
      if (looksAdministrative(op.path)) {
        out.push(finding('admin-path-unscoped', at, 'Administrative-looking path accepts any valid token: no scope required.', `Require an admin scope, e.g. \`security: [{ ${scheme}: [admin] }]\`.`));
      } else {
        out.push(finding('empty-scopes', at, 'Protected, but requires no scope: any valid token for the stage may call it.', `Add the scope it needs, or list empty-scopes in x-authorizer-lint-ignore on the operation if any token is meant to do.`));
      }
    }
  } else if (r.protection.kind === 'public') {
    if (looksAdministrative(op.path)) {
      out.push(finding('admin-path-unscoped', at, 'Administrative-looking path is public (security: []).', `Protect it: \`security: [{ ${scheme}: [admin] }]\`.`));
    }
  } else {
    out.push(finding('other-scheme-only', at, `Protected only by ${alternatives.map((o) => Object.keys(o).join('+')).join(' | ')}, not by the authorizer's scheme "${scheme}": no table entry.`, `Add "${scheme}" to its security, or make sure the Lambda authorizer is not attached to this operation.`));
  }
  return out;
}
