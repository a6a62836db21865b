/**
 * Reads an API Gateway authorizer event of any supported kind (REST TOKEN, REST REQUEST, HTTP API payload
 * 2.0, WebSocket $connect) into what the decision needs. The token comes from the event's authorization
 * value; stage, method and path come from the event's ARN, never from the token.
 */
import { AuthError } from './errors.js';
import { parseExecuteApiArn, type ExecuteApiArn } from './parse-arn.js';

/** The four event kinds the authorizer answers. */
export type EventKind = 'rest-token' | 'rest-request' | 'http-api' | 'websocket';

/** A request as the decision sees it. */
export interface AuthRequest {
  readonly kind: EventKind;
  readonly arn: ExecuteApiArn;
  /** The route API Gateway selected, when the event names it: a path template such as `/orders/{id}`. */
  readonly selectedResource: string | undefined;
  /** API Gateway's request id, for the log. */
  readonly requestId: string | undefined;
  /** False when `requestContext.stage` disagrees with the ARN: such a request is never allowed. */
  readonly stageConsistent: boolean;
}

/** Largest accepted authorization value (design §3.1). */
export const MAX_TOKEN_BYTES = 8192;
// One pass over the value: the scheme (case-insensitive), one space, then three base64url segments.
const COMPACT_JWS = '[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+';
const CREDENTIALS_RE = new RegExp(`^(bearer|dpop) (${COMPACT_JWS})$`, 'i');
/** A DPoP proof: a compact JWS and nothing else (no padding, whitespace, JWE or JSON serialization). */
const PROOF_RE = new RegExp(`^${COMPACT_JWS}$`);

/** The authorization scheme a token came with. */
export type TokenScheme = 'Bearer' | 'DPoP';

/** The access token and the scheme it was presented with. */
export interface Credentials {
  readonly scheme: TokenScheme;
  readonly token: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The kind of an event, or undefined when it is not one API Gateway sends to an authorizer. */
export function eventKind(event: unknown): EventKind | undefined {
  if (!isObj(event)) return undefined;
  if (event['type'] === 'TOKEN') return 'rest-token';
  if (event['type'] !== 'REQUEST') return undefined;
  if (event['version'] === '2.0') return 'http-api';
  const ctx = event['requestContext'];
  if (isObj(ctx) && ctx['routeKey'] === '$connect') return 'websocket';
  return 'rest-request';
}

function valuesOf(map: unknown, name: string): unknown[] {
  if (!isObj(map)) return [];
  return Object.keys(map).filter((key) => key.toLowerCase() === name).map((key) => map[key]);
}

/**
 * Every value of a header, matched case-insensitively. REST and WebSocket events carry `headers` (last
 * value) and `multiValueHeaders` (all values); more than one value, or maps that disagree, is ambiguous.
 */
function headerValues(event: Obj, name: string): unknown[] {
  const single = valuesOf(event['headers'], name);
  const multi = valuesOf(event['multiValueHeaders'], name).flatMap((list) => (Array.isArray(list) ? list : [list]));
  if (single.length > 1 || multi.length > 1) return [...single, ...multi];
  if (single.length === 1 && multi.length === 1 && single[0] !== multi[0]) return [single[0], multi[0]];
  return single.length === 1 ? single : multi;
}

/** The raw authorization value of an event; throws 401 codes when it is missing or repeated. */
function authorizationValue(event: Obj, kind: EventKind): string {
  let values: unknown[];
  if (kind === 'rest-token') values = event['authorizationToken'] === undefined ? [] : [event['authorizationToken']];
  else values = headerValues(event, 'authorization');
  if (values.length === 0) throw new AuthError('TOKEN_MISSING', 'no authorization value');
  if (values.length > 1) throw new AuthError('TOKEN_AMBIGUOUS', 'authorization given more than once');
  const value = values[0];
  if (typeof value !== 'string' || value.length === 0) throw new AuthError('TOKEN_MISSING', 'authorization value is empty');
  // HTTP APIs join repeated headers with a comma; a JWT never contains one.
  if (kind === 'http-api' && value.includes(',')) throw new AuthError('TOKEN_AMBIGUOUS', 'authorization given more than once');
  return value;
}

/** Extracts the scheme and compact JWS from `Bearer <jwt>` or `DPoP <jwt>`; throws 401 codes for anything else. */
export function extractCredentials(value: string): Credentials {
  if (value.length > MAX_TOKEN_BYTES) throw new AuthError('TOKEN_TOO_LARGE', 'authorization value exceeds 8 KiB');
  const m = CREDENTIALS_RE.exec(value);
  if (!m) throw new AuthError('TOKEN_MALFORMED', 'authorization is not "Bearer <compact JWS>" or "DPoP <compact JWS>"');
  return { scheme: m[1]!.length === 6 ? 'Bearer' : 'DPoP', token: m[2]! };
}

/**
 * The token and its scheme (step 1 of the decision). A REST TOKEN event carries no other header, so
 * it cannot carry a DPoP proof: the DPoP scheme there is refused.
 * @param kind `eventKind(event)`, when the caller already has it
 */
export function extractTokenCredentials(event: unknown, kind: EventKind | undefined = eventKind(event)): Credentials {
  // Not a request API Gateway sends to an authorizer: a wiring fault, not a caller without a token (500).
  if (!kind) throw new AuthError('EVENT_INVALID', 'not an authorizer event');
  const credentials = extractCredentials(authorizationValue(event as Obj, kind));
  if (kind === 'rest-token' && credentials.scheme === 'DPoP') throw new AuthError('SCHEME_NOT_ALLOWED', 'a TOKEN authorizer cannot receive a DPoP proof');
  return credentials;
}

/**
 * The one value of the `DPoP` header (design §8): missing, repeated (REST `headers` and
 * `multiValueHeaders`, HTTP API comma-joined) or not a compact JWS of at most 8 KiB → 401 codes.
 */
export function extractDpopProof(event: unknown, kind: EventKind): string {
  if (kind === 'rest-token' || !isObj(event)) throw new AuthError('DPOP_PROOF_MISSING', 'this event cannot carry a DPoP header');
  const values = headerValues(event, 'dpop');
  if (values.length === 0) throw new AuthError('DPOP_PROOF_MISSING', 'no DPoP header');
  if (values.length > 1) throw new AuthError('DPOP_PROOF_AMBIGUOUS', 'DPoP header given more than once');
  const value = values[0];
  if (typeof value !== 'string' || value.length === 0) throw new AuthError('DPOP_PROOF_MISSING', 'DPoP header is empty');
  if (value.length > MAX_TOKEN_BYTES) throw new AuthError('DPOP_PROOF_TOO_LARGE', 'DPoP header exceeds 8 KiB');
  // HTTP APIs join repeated headers with a comma; a compact JWS never contains one.
  if (value.includes(',')) throw new AuthError('DPOP_PROOF_AMBIGUOUS', 'DPoP header given more than once');
  if (!PROOF_RE.test(value)) throw new AuthError('DPOP_PROOF_MALFORMED', 'DPoP header is not a compact JWS');
  return value;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Reads stage and route from an event (step 2); throws `EVENT_INVALID` when it is not a usable authorizer event.
 * @param kind `eventKind(event)`, when the caller already has it
 */
export function extractRequest(event: unknown, kind: EventKind | undefined = eventKind(event)): AuthRequest {
  if (!kind) throw new AuthError('EVENT_INVALID', 'not an authorizer event');
  const e = event as Obj;
  const ctx = isObj(e['requestContext']) ? e['requestContext'] : {};
  const arn = parseExecuteApiArn(kind === 'http-api' ? e['routeArn'] : e['methodArn']);
  if (kind === 'websocket' && arn.method !== '$connect') throw new AuthError('EVENT_INVALID', 'WebSocket event ARN is not $connect');
  let selectedResource: string | undefined;
  if (kind === 'rest-request') {
    const method = str(e['httpMethod']);
    if (method !== undefined && method !== arn.method) throw new AuthError('EVENT_INVALID', 'httpMethod disagrees with the ARN');
    selectedResource = str(e['resource']);
  } else if (kind === 'http-api') {
    const routeKey = str(e['routeKey']);
    const space = routeKey?.indexOf(' ') ?? -1;
    // `$default` names no route: the route table decides from the path.
    if (routeKey && space > 0) selectedResource = routeKey.slice(space + 1);
    const http = isObj(ctx['http']) ? ctx['http'] : {};
    if (http['method'] !== undefined && http['method'] !== arn.method) throw new AuthError('EVENT_INVALID', 'http.method disagrees with the ARN');
  }
  return { kind, arn, selectedResource, requestId: str(ctx['requestId']), stageConsistent: ctx['stage'] === undefined || ctx['stage'] === arn.stage };
}
