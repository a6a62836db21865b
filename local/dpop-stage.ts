/**
 * The local DPoP stage's authorizer: the same handler code, built with its own environment
 * (`DPOP_MODE=required`, proofs single-use in the dynalite replay table), as a second API Gateway
 * authorizer would be configured for one stage.
 */
import { createAuthorizer, type AuthorizerHandler } from '../functions/authorizer/create-authorizer.js';
import { ENV } from '../lib/env-names.js';
import { localAuthorizerEnv } from './lambda-env.js';
import type { RoutePermission } from './routes.js';
import { localDynamoClient } from './replay-server.js';
import { REPLAY_TABLE } from './settings.js';

/** The DPoP stage's environment: the local one with DPoP required and the proof table. */
function dpopStageEnv(opts: { issuer: string; jwksUri: string; routes: readonly RoutePermission[] }): Record<string, string> {
  return {
    ...localAuthorizerEnv({ ...opts, dynamoEndpoint: undefined, replay: 'off' }),
    [ENV.dpopMode]: 'required',
    [ENV.replayTableName]: REPLAY_TABLE,
    POWERTOOLS_SERVICE_NAME: 'jwt-authorizer-local-dpop',
  };
}

/** Builds the DPoP stage's authorizer against the local replay table. */
export function createDpopStageAuthorizer(opts: { issuer: string; jwksUri: string; routes: readonly RoutePermission[]; dynamoEndpoint: string }): AuthorizerHandler {
  const dynamoClient = localDynamoClient(opts.dynamoEndpoint, 2);
  return createAuthorizer({ env: dpopStageEnv(opts), dynamoClient });
}
