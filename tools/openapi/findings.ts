/** What the linter reports: the rules (design §11 plus a few a reviewer expects) and one finding's shape. */

/** `error` fails `--check` (exit 1) and the CDK synth; `warning` is reported only. */
export type Severity = 'error' | 'warning';

/** Every rule the linter knows, with its default severity and a one-line description. */
export const RULES = {
  'no-security': { severity: 'error', title: 'Operation without any security requirement', help: 'Neither the operation nor the document root declares security, so nothing protects it. Declare the authorizer scheme with its scopes, or `security: []` if it is meant to be public.' },
  'optional-auth': { severity: 'error', title: 'Optional authentication', help: 'An empty requirement `{}` among the alternatives lets anonymous callers in; the route table cannot express "token optional".' },
  'unknown-scheme': { severity: 'error', title: 'Requirement names an unknown security scheme', help: 'Every scheme named in a security requirement must be defined in components.securitySchemes.' },
  'scope-alternatives': { severity: 'error', title: 'Alternatives the route table cannot express', help: 'A route table entry requires one set of scopes; alternatives with different scopes (an OR) cannot be enforced. The generated entry requires all of them.' },
  'undeclared-scope': { severity: 'error', title: 'Scope not declared by the OAuth 2 scheme', help: 'An oauth2 scheme lists its scopes in its flows; a requirement using any other scope is a typo or a scope nobody can be granted.' },
  'invalid-route': { severity: 'error', title: 'Operation that cannot be a route', help: 'The method or path template is outside what the authorizer and API Gateway route (design §2.1), so no entry is generated for it.' },
  'route-conflict': { severity: 'error', title: 'Ambiguous routes', help: 'Two templates can match the same request and neither is more specific in every segment (or they have the same shape), so which one governs depends on ranking rules rather than on the document.' },
  'table-unused-entry': { severity: 'error', title: 'Route table entry that governs no operation', help: 'An entry of the hand-written table that no protected operation of the document selects: stale, misspelled, or an API route the document does not describe.' },
  'table-missing-route': { severity: 'error', title: 'Protected operation missing from the route table', help: 'The authorizer would deny every call to this operation (403), or a broader entry would govern it.' },
  'table-scopes-differ': { severity: 'error', title: 'Route table scopes differ from the document', help: 'The hand-written table asks for other scopes than the document. Fewer scopes is an error (the table grants more than documented); more is a warning.' },
  'write-weaker-than-read': { severity: 'warning', title: 'Write needs no more than a read', help: 'A write method on a path needs only scopes that a read on the same path already needs: any reader can write.' },
  'admin-path-unscoped': { severity: 'warning', title: 'Administrative path without a scope', help: 'A path that looks administrative (admin, internal, debug) is public or accepts any valid token.' },
  'empty-scopes': { severity: 'warning', title: 'Protected operation without scopes', help: 'The operation accepts any valid token for the stage. Ignore this rule on the operation (x-authorizer-lint-ignore) when that is intended.' },
  'other-scheme-only': { severity: 'warning', title: 'Operation protected only by another scheme', help: "The operation does not use the authorizer's scheme, so the table has no entry: if the authorizer is attached to it anyway, every call is denied." },
} as const satisfies Record<string, { severity: Severity; title: string; help: string }>;

/** A rule id. */
export type RuleId = keyof typeof RULES;

/** One place a finding refers to. */
export interface FindingLocation {
  /** The file (the OpenAPI document, or the `--table` file). */
  readonly file: string;
  /** JSON pointer in that file. */
  readonly pointer: string;
  /** `GET /orders/{id}`, or a table entry's route. */
  readonly operation?: string;
}

/** One finding. */
export interface Finding extends FindingLocation {
  readonly rule: RuleId;
  readonly severity: Severity;
  /** One line: what is wrong. */
  readonly message: string;
  /** One line: how to fix it. */
  readonly fix: string;
  /** Other places involved (the other route of a conflict). */
  readonly related?: readonly FindingLocation[];
}

/** A finding of `rule` at its default severity. */
export function finding(rule: RuleId, where: FindingLocation, message: string, fix: string, extra: { severity?: Severity; related?: FindingLocation[] } = {}): Finding {
  return { rule, severity: extra.severity ?? RULES[rule].severity, ...where, message, fix, ...(extra.related ? { related: extra.related } : {}) };
}
