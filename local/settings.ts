/**
 * Fixed facts of the local stack: the fake API identity, stages and audiences, default ports and files.
 * Everything here is loopback-only and for development; nothing talks to AWS.
 */
import { join, resolve } from 'node:path';

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012';
export const API_ID = 'local00001';
/** `arn:aws:execute-api:<region>:<account>:<apiId>/` — append `<stage>/<METHOD><path>`. */
export const ARN_PREFIX = `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${API_ID}/`;

/**
 * The second local issuer (design §9): same server, path `/second`, its own key. Its tokens name scopes
 * the way another provider might (`Orders.Read`); its `scopeMap` translates them into the route table's.
 */
export const SECOND_ISSUER = Object.freeze({
  path: '/second',
  scopeMap: Object.freeze({ 'Orders.Read': 'orders:read', 'Orders.Write': 'orders:write' }),
  demoScope: 'Orders.Read',
});

/** Stage → audience, as AUDIENCE_BY_STAGE. */
export const AUDIENCE_BY_STAGE: Readonly<Record<string, string>> = Object.freeze({ dev: 'api-dev', staging: 'api-staging', prod: 'api-prod', dpop: 'api-dpop' });
export const REPLAY_TABLE = 'replay';

export const DEFAULT_PORTS = Object.freeze({ gateway: 3000, issuer: 3001, dynamo: 3002 });
export const HOST = '127.0.0.1';

/** The git-ignored folder holding the signing key, the dynalite data and the stack state. */
export const DEFAULT_DATA_DIR = '.local';

/** Files inside a data directory. */
export function dataPaths(dataDir: string) {
  const dir = resolve(dataDir);
  return {
    dir,
    key: join(dir, 'issuer-key.json'),
    secondKey: join(dir, 'issuer-key-second.json'),
    dynalite: join(dir, 'dynalite'),
    state: join(dir, 'stack.json'),
    lock: join(dir, 'start.lock'),
    /** The running stack's authorizer environment (SAM env.json format), for `npm run revoke --env-file`. */
    env: join(dir, 'authorizer-env.json'),
  };
}

/** Demo token defaults, used by `npm start`'s example and `npm run token`. */
export const DEMO_TOKEN = Object.freeze({ sub: 'demo-user', scope: 'orders:read', stage: 'dev', ttl: 300 });

/**
 * The local stage served by a DPoP authorizer (`DPOP_MODE=required`). Its proofs are recorded in the
 * replay table with `REPLAY_PROTECTION=off` (one conditional PutItem per proof): dynalite has no
 * transactions, which token and proof records together would need.
 */
export const DPOP_STAGE = 'dpop';
