/**
 * What API Gateway does with an authorizer's answer: a thrown `Unauthorized` is 401, any other throw or a
 * malformed answer is 500, a policy that does not allow the request ARN (or `isAuthorized: false`) is
 * 403, and otherwise the request goes through with the authorizer's context. Bodies and error types
 * are API Gateway's defaults (REST and HTTP APIs differ).
 */
import type { Context } from 'aws-lambda';
import { policyAllows, type PolicyLike } from '../lib/iam-evaluate.js';

/** REST APIs (TOKEN or REQUEST authorizer) or an HTTP API (payload 2.0). */
export type ApiKind = 'rest' | 'http';

export interface Verdict {
  readonly status: number;
  readonly outcome: 'allow' | 'unauthorized' | 'forbidden' | 'error';
  /** API Gateway's JSON body for a refusal. */
  readonly body: { readonly message: string | null } | undefined;
  /** For REST: `x-amzn-ErrorType`. */
  readonly errorType: string | undefined;
  /** On allow: what a Lambda integration would see as `requestContext.authorizer`. */
  readonly authorizer: Readonly<Record<string, unknown>> | undefined;
  /** The authorizer's raw answer (or thrown message), for display. */
  readonly response: unknown;
  /** Why, in a few words, for the console. */
  readonly why: string;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const primitive = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function refuse(api: ApiKind, status: number, why: string, response: unknown, restMessage?: string): Verdict {
  const outcome = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'error';
  let message: string | null;
  let errorType: string | undefined;
  if (status === 401) {
    message = 'Unauthorized';
    errorType = 'UnauthorizedException';
  } else if (status === 403) {
    message = api === 'rest' ? (restMessage ?? 'Forbidden') : 'Forbidden';
    errorType = 'AccessDeniedException';
  } else {
    message = api === 'rest' ? null : 'Internal Server Error';
    errorType = 'AuthorizerConfigurationException';
  }
  return { status, outcome, body: { message }, errorType: api === 'rest' ? errorType : undefined, authorizer: undefined, response, why };
}

/** Whether some Deny statement of the policy applies to `arn` (API Gateway words that 403 differently). */
function explicitlyDenies(policy: PolicyLike, arn: string): boolean {
  const denies = (policy.Statement as Record<string, unknown>[]).filter((s) => s['Effect'] === 'Deny').map((s) => ({ ...s, Effect: 'Allow' }));
  return policyAllows({ Statement: denies }, arn);
}

/** Judges an authorizer answer for a request whose method/route ARN is `arn`. */
export function judge(api: ApiKind, arn: string, result: { ok: true; value: unknown } | { ok: false; error: unknown }): Verdict {
  if (!result.ok) {
    const message = (result.error as { message?: unknown } | null)?.message;
    if (message === 'Unauthorized') return refuse(api, 401, 'authorizer threw "Unauthorized"', { thrown: message });
    return refuse(api, 500, `authorizer threw ${JSON.stringify(message ?? String(result.error))}`, { thrown: message ?? String(result.error) });
  }
  const value = result.value;
  if (!isObj(value)) return refuse(api, 500, 'authorizer returned no object', value);
  if (api === 'http' && 'isAuthorized' in value) {
    if (typeof value['isAuthorized'] !== 'boolean') return refuse(api, 500, 'isAuthorized is not a boolean', value);
    const context = value['context'] ?? {};
    if (!isObj(context) || !Object.values(context).every(primitive)) return refuse(api, 500, 'context is not a flat object', value);
    if (!value['isAuthorized']) return refuse(api, 403, 'simple response isAuthorized: false', value);
    return { status: 200, outcome: 'allow', body: undefined, errorType: undefined, authorizer: { lambda: context }, response: value, why: 'isAuthorized: true' };
  }
  const policy = value['policyDocument'];
  if (typeof value['principalId'] !== 'string' || !isObj(policy) || !Array.isArray(policy['Statement'])) {
    return refuse(api, 500, 'answer lacks principalId or policyDocument.Statement', value);
  }
  const context = value['context'] ?? {};
  if (!isObj(context) || !Object.values(context).every(primitive)) return refuse(api, 500, 'context is not a flat object of strings, numbers and booleans', value);
  const document = policy as unknown as PolicyLike;
  if (!policyAllows(document, arn)) {
    const explicit = explicitlyDenies(document, arn);
    const message = explicit ? 'User is not authorized to access this resource with an explicit deny' : 'User is not authorized to access this resource';
    return refuse(api, 403, explicit ? 'policy explicitly denies the ARN' : 'policy does not allow the ARN', value, message);
  }
  // REST hands the context to the backend as strings next to principalId; HTTP APIs nest it under `lambda`.
  const authorizer =
    api === 'rest'
      ? { principalId: value['principalId'], ...Object.fromEntries(Object.entries(context).map(([k, v]) => [k, String(v)])) }
      : { lambda: context };
  return { status: 200, outcome: 'allow', body: undefined, errorType: undefined, authorizer, response: value, why: 'policy allows the ARN' };
}

/** Calls the handler and judges its answer. */
export async function authorize(handler: Handler, event: unknown, context: Context, api: ApiKind, arn: string): Promise<Verdict> {
  try {
    return judge(api, arn, { ok: true, value: await handler(event, context) });
  } catch (error) {
    return judge(api, arn, { ok: false, error });
  }
}
