/**
 * The composition root: builds config and clients once per cold start and wires the library into a
 * middy handler that writes one decision line (log and EMF metrics). `handler.ts` calls it with
 * `process.env`.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { parseConfig, type AuthorizerConfig } from '../../lib/config.js';
import { decide, type Decision } from '../../lib/decide.js';
import { DynamoDbReplayStore } from '../../lib/dynamodb-replay-store.js';
import { RemoteKeySource, type KeySource } from '../../lib/key-source.js';
import { IssuerKeys, type KeySourceFactory } from '../../lib/issuer-keys.js';
import { RoutePolicyCache } from '../../lib/build-policy.js';
import { jtiFingerprint, type ReplayStore } from '../../lib/replay-store.js';
import { INTERNAL, respond, UNAUTHORIZED, type AuthorizerResponse, type ResponseNotes } from '../../lib/respond.js';
import { DecisionLog, type DecisionFields } from './decision-log.js';
import { boundedDynamoClient } from './dynamo-client.js';
import { requestDeadline } from './request-deadline.js';

/** Everything a test or the local gateway may replace; the environment is the only required input. */
export interface AuthorizerOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The one key source, when one issuer is configured (tests, local tools). */
  readonly keys?: KeySource;
  /** Builds each issuer's key source on its first token. @default a RemoteKeySource of its jwksUri */
  readonly keysFor?: KeySourceFactory;
  readonly replayStore?: ReplayStore;
  readonly dynamoClient?: DynamoDBClient;
  /** @default a DecisionLog configured from POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE,
   * POWERTOOLS_METRICS_DISABLED and POWERTOOLS_LOG_LEVEL, writing to stdout */
  readonly log?: DecisionLog;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
}

/** The Lambda handler type: an authorizer event in, a policy or simple response out. */
export type AuthorizerHandler = ((event: unknown, context: Context) => Promise<AuthorizerResponse>) & {
  readonly config: AuthorizerConfig;
  /** Settles (never rejects) when the JWKS prefetch started at init has succeeded or failed. */
  readonly keysPrefetched: Promise<void>;
};

type Outcome = 'allow' | 'unauthorized' | 'forbidden' | 'internal';

function outcomeOf(decision: Decision): Outcome {
  return decision.error ? decision.error.kind : 'allow';
}

/** Only the shape of an unexpected error goes to the log: messages may quote input. */
function causeOf(decision: Decision): Record<string, string> | undefined {
  const cause = decision.error?.cause;
  if (!cause || typeof cause !== 'object') return undefined;
  const { name, code, $metadata } = cause as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  const out: Record<string, string> = {};
  if (typeof name === 'string') out['name'] = name.slice(0, 100);
  if (typeof code === 'string') out['code'] = code.slice(0, 100);
  if ($metadata?.httpStatusCode) out['status'] = String($metadata.httpStatusCode);
  return out;
}

/**
 * What the decision line says about one decision: verified or derived values only.
 * @param threw whether building the response threw (an outage the decision itself did not see)
 */
export function decisionFields(decision: Decision, notes: ResponseNotes, threw: boolean): DecisionFields {
  const outcome: Outcome = threw && !decision.error ? 'internal' : outcomeOf(decision);
  return {
    outcome,
    reason: decision.error?.code ?? (threw ? 'INTERNAL' : 'OK'),
    eventKind: decision.request?.kind,
    stage: decision.request?.arn.stage,
    route: decision.route?.key,
    kid: decision.kid,
    apiRequestId: decision.request?.requestId,
    sub: decision.token?.sub,
    jtiHash: decision.replayKey ? jtiFingerprint(decision.replayKey) : undefined,
    tokenType: decision.tokenType,
    jkt: decision.jkt,
    underGranted: notes.underGranted?.length ? notes.underGranted : undefined,
    jwksStale: decision.jwksStale || undefined,
    cause: outcome === 'internal' ? causeOf(decision) : undefined,
  };
}

/**
 * Builds the authorizer. Throws `ConfigError` (naming the variable) when the environment is invalid,
 * which stops the Lambda at init.
 * @example
 * export const handler = createAuthorizer({ env: process.env });
 */
export function createAuthorizer(options: AuthorizerOptions): AuthorizerHandler {
  const { env } = options;
  const config = parseConfig(env);
  const log =
    options.log ??
    new DecisionLog({
      serviceName: env['POWERTOOLS_SERVICE_NAME'],
      namespace: env['POWERTOOLS_METRICS_NAMESPACE'],
      metrics: env['POWERTOOLS_METRICS_DISABLED'] !== 'true',
      level: env['POWERTOOLS_LOG_LEVEL'],
    });
  const keys = new IssuerKeys(keySourceFactory(options, config));
  // Every issuer's set is fetched during init (design §3), each into its own source (§9).
  const keysPrefetched = Promise.all(config.issuers.map((issuer) => prefetchKeys(keys.for(issuer), log))).then(() => undefined);
  let replayStore = options.replayStore;
  if (!replayStore && config.replayTableName !== undefined) {
    replayStore = new DynamoDbReplayStore(options.dynamoClient ?? boundedDynamoClient(), config.replayTableName!);
  }
  const deps = { config, keys, replayStore };
  const policies = new RoutePolicyCache(config.routes);
  const clock = options.clock ?? Date.now;

  const authorize = async (event: unknown, context: Context): Promise<AuthorizerResponse> => {
    // Real time, not `clock`: the deadline bounds waits, and tests fix `clock` at a token's time.
    const decision = await decide(event, deps, Math.floor(clock() / 1000), { deadline: requestDeadline(context, Date.now()) });
    const notes: ResponseNotes = {};
    let response: AuthorizerResponse;
    try {
      response = respond(decision, config, policies, notes);
    } catch (err) {
      log.record(decisionFields(decision, notes, true), context?.awsRequestId);
      throw err;
    }
    log.record(decisionFields(decision, notes, false), context?.awsRequestId);
    return response;
  };

  // middy's early-timeout timer would cost a timer per call; API Gateway and Lambda bound the call.
  const handler = middy(authorize, { timeoutEarlyInMillis: 0 }).use(failClosed(log));
  return Object.assign((event: unknown, context: Context) => handler(event, context), { config, keysPrefetched });
}

/**
 * Starts loading the JWKS during init so the first request does not wait for it. Never fails init and
 * never leaves a rejection unhandled: a failure is logged once and the first request fetches again.
 */
function prefetchKeys(keys: KeySource, log: DecisionLog): Promise<void> {
  if (!keys.prefetch) return Promise.resolve();
  try {
    return keys.prefetch().catch((err: unknown) => logPrefetchFailure(log, err));
  } catch (err) {
    logPrefetchFailure(log, err);
    return Promise.resolve();
  }
}

function logPrefetchFailure(log: DecisionLog, err: unknown): void {
  try {
    const code = (err as { code?: unknown })?.code;
    const cause = (err as { cause?: { name?: unknown } })?.cause?.name;
    log.note('WARN', 'JWKS prefetch at init failed; the first request fetches it', {
      reason: typeof code === 'string' ? code : 'JWKS_UNAVAILABLE',
      ...(typeof cause === 'string' ? { cause: cause.slice(0, 100) } : {}),
    });
  } catch {
    // A broken log must not turn a failed prefetch into a failed init.
  }
}

/** How each issuer's key source is built. One injected source never serves several issuers. */
function keySourceFactory(options: AuthorizerOptions, config: AuthorizerConfig): KeySourceFactory {
  const { keys, keysFor } = options;
  if (keys && keysFor) throw new TypeError('createAuthorizer: pass keys or keysFor, not both');
  if (keys) {
    if (config.issuers.length !== 1) throw new TypeError('createAuthorizer: keys serves one issuer; with several, pass keysFor');
    return () => keys;
  }
  return keysFor ?? ((issuer) => new RemoteKeySource(issuer.jwksUri, { maxStaleMs: config.jwksMaxStaleSeconds * 1000 }));
}

/**
 * The last line of defence: whatever escapes `authorize` (a bug, an exception while logging) leaves as
 * the generic internal error, never with its message, and is logged without detail.
 */
function failClosed(log: DecisionLog): MiddlewareObj<unknown, AuthorizerResponse, Error, Context> {
  return {
    onError: (request) => {
      const message = request.error?.message;
      if (message === UNAUTHORIZED || message === INTERNAL) return;
      request.error = new Error(INTERNAL);
      try {
        log.record({ outcome: 'internal', reason: 'INTERNAL', cause: { name: String(request.error?.name ?? 'Error').slice(0, 100) } }, request.context?.awsRequestId);
      } catch {
        // The answer is already the generic 500; a broken log must not change it.
      }
    },
  };
}
