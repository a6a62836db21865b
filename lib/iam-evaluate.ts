/**
 * Evaluates an authorizer policy the way API Gateway does for `execute-api:Invoke`: `*` matches any run
 * of characters (including `/`), `?` exactly one, an explicit Deny wins, and no Allow means deny.
 * Used by the tests, the local gateway and the policy builder's own checks.
 */

/** The parts of an IAM policy document the evaluator reads (the `aws-lambda` PolicyDocument fits). */
export interface PolicyLike {
  readonly Statement: readonly object[];
}

const compiled = new Map<string, RegExp>();

/** Whether an IAM resource pattern matches a concrete ARN. */
export function arnPatternMatches(pattern: string, arn: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
    re = new RegExp(`^${body}$`);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(arn);
}

function list(value: unknown): readonly string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function invokes(actions: readonly string[]): boolean {
  return actions.some((a) => arnPatternMatches(a.toLowerCase(), 'execute-api:invoke'));
}

/** Whether one statement applies to invoking `arn` (Action/NotAction, Resource/NotResource). */
function applies(statement: Record<string, unknown>, arn: string): boolean {
  const action = 'NotAction' in statement ? !invokes(list(statement['NotAction'])) : invokes(list(statement['Action']));
  if (!action) return false;
  if ('NotResource' in statement) return !list(statement['NotResource']).some((r) => arnPatternMatches(r, arn));
  return list(statement['Resource']).some((r) => arnPatternMatches(r, arn));
}

/** Whether the policy allows invoking `arn`: some Allow applies and no Deny does. */
export function policyAllows(policy: PolicyLike, arn: string): boolean {
  let allowed = false;
  for (const statement of policy.Statement as readonly Record<string, unknown>[]) {
    if (!applies(statement, arn)) continue;
    if (statement['Effect'] === 'Deny') return false;
    if (statement['Effect'] === 'Allow') allowed = true;
  }
  return allowed;
}
