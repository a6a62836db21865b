/** Parses the execute-api ARN of an authorizer event: the authoritative source of stage and route. */
import { AuthError } from './errors.js';
import { HTTP_METHODS, WEBSOCKET_CONNECT } from './routes.js';

/** The parts of an `arn:aws:execute-api:...` method or route ARN. */
export interface ExecuteApiArn {
  readonly arn: string;
  /** `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/`: every resource built from it stays inside this API stage. */
  readonly prefix: string;
  readonly stage: string;
  /** An HTTP method, or `$connect` for WebSocket. */
  readonly method: string;
  /** The concrete request path, starting with `/`; `/` for `$connect`. */
  readonly path: string;
}

// Partition, region, account and API id are checked but not captured: only stage and the rest are read.
const ARN_RE = /^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+\/([A-Za-z0-9_$.-]+)\/(.+)$/;
/** API Gateway's URLs stay under 10,240 characters; a longer ARN is not an event it sends. */
const MAX_ARN_LENGTH = 16_384;
const METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

/** Parses a method ARN (REST, WebSocket) or route ARN (HTTP API); throws `EVENT_INVALID`. */
export function parseExecuteApiArn(arn: unknown): ExecuteApiArn {
  if (typeof arn !== 'string') throw new AuthError('EVENT_INVALID', 'event has no method ARN');
  if (arn.length > MAX_ARN_LENGTH) throw new AuthError('EVENT_INVALID', `method ARN is longer than ${MAX_ARN_LENGTH} characters`);
  const m = ARN_RE.exec(arn);
  if (!m) throw new AuthError('EVENT_INVALID', 'method ARN is not an execute-api ARN');
  const [, stage, rest] = m as unknown as [string, string, string];
  // The ARN up to `<stage>/`, as a slice of the ARN itself: the policy cache looks it up on every request.
  const prefix = arn.slice(0, arn.length - rest.length);
  if (rest === WEBSOCKET_CONNECT) return { arn, prefix, stage, method: WEBSOCKET_CONNECT, path: '/' };
  const slash = rest.indexOf('/');
  const method = slash < 0 ? rest : rest.slice(0, slash);
  if (!METHODS.has(method) || slash < 0) throw new AuthError('EVENT_INVALID', 'method ARN has no HTTP method and path');
  return { arn, prefix, stage, method, path: rest.slice(slash) };
}
