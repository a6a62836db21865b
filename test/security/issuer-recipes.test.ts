/**
 * The identity-provider recipes of docs/issuers.md (design §9), each with tokens shaped as the provider
 * documents them (header `typ`, claim names, strings vs arrays), all five served by one authorizer and
 * one route table. The recipes here are the ones in the docs, byte for byte (checked below); only the
 * JWKS URLs are swapped for loopback servers.
 * Sources: Amazon Cognito "Understanding the access token" / "Understanding the ID token"; Auth0 "Access
 * Token Profiles" (RFC 9068 sample); Microsoft Entra "Access token claims reference"; Okta "Custom
 * Authorization Servers" / access token claims; Keycloak access tokens of a realm with an audience mapper.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { NOW, restTokenEvent, testAuthorizer } from '../helpers/fixtures.js';
import { issuersEnv } from '../helpers/issuers.js';
import { generateKey, type TestKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { expectDecision, forge } from './support.js';

const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const API_CLIENT_ID = '6e74172b-be56-4843-9ff4-e66a39bb12e3';

/** The recipes exactly as docs/issuers.md gives them, in its order. */
const RECIPES = {
  cognito: {
    issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
    audienceClaim: 'client_id',
    audienceByStage: { dev: '1example23456789abcdefghij' },
    algorithms: ['RS256'],
    scopeMap: { 'orders-api/orders.read': 'orders:read', 'orders-api/orders.write': 'orders:write' },
    requiredClaims: { token_use: 'access' },
  },
  auth0: {
    issuer: 'https://my-tenant.eu.auth0.com/',
    audienceByStage: { dev: 'https://orders.example.com/api' },
    algorithms: ['RS256'],
    tokenTypes: ['at+jwt'],
    scopeClaims: ['permissions'],
    scopeMap: { 'read:orders': 'orders:read', 'create:orders': 'orders:write' },
  },
  entra: {
    issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
    audienceByStage: { dev: API_CLIENT_ID },
    algorithms: ['RS256'],
    tokenTypes: ['JWT'],
    scopeClaims: ['scp', 'roles'],
    scopeMap: { 'Orders.Read': 'orders:read', 'Orders.Write': 'orders:write', 'Orders.Read.All': 'orders:read', 'Orders.Write.All': 'orders:write' },
    jtiClaim: 'uti',
    requiredClaims: { tid: TENANT, ver: '2.0' },
  },
  okta: {
    issuer: 'https://example.okta.com/oauth2/aus8abcd1234EFGH5678',
    jwksUri: 'https://example.okta.com/oauth2/aus8abcd1234EFGH5678/v1/keys',
    audienceByStage: { dev: 'api://orders' },
    algorithms: ['RS256'],
    scopeClaims: ['scp'],
    scopeMap: { 'orders.read': 'orders:read', 'orders.write': 'orders:write' },
    requiredClaims: { cid: ['0oa1web2shop3client4', '0oa5batch6job7client8'] },
  },
  keycloak: {
    issuer: 'https://sso.example.com/realms/shop',
    jwksUri: 'https://sso.example.com/realms/shop/protocol/openid-connect/certs',
    audienceByStage: { dev: 'orders-api' },
    algorithms: ['RS256'],
    scopeClaims: ['scope'],
    requiredClaims: { typ: 'Bearer', azp: ['web-shop', 'mobile-shop'] },
  },
} as const;
type Provider = keyof typeof RECIPES;
const PROVIDERS = Object.keys(RECIPES) as Provider[];

const keys = {} as Record<Provider, TestKey>;
const servers = {} as Record<Provider, JwksServer>;
beforeAll(async () => {
  for (const p of PROVIDERS) {
    keys[p] = generateKey('RS256', `${p}-kid-1`);
    servers[p] = await startJwksServer([keys[p].publicJwk]);
  }
});
afterAll(async () => Promise.all(PROVIDERS.map((p) => servers[p].close())));

/** The recipes with loopback JWKS, under the demo route table (orders:read, orders:write, admin...). */
function auth(extraEntries: Record<string, unknown>[] = []) {
  const entries = PROVIDERS.map((p) => ({ ...RECIPES[p], jwksUri: servers[p].url }));
  return testAuthorizer({ env: issuersEnv([...entries, ...extraEntries]), replayStore: new MemoryReplayStore() });
}
const get = (token: string) => restTokenEvent(`Bearer ${token}`, 'dev', 'GET', '/orders/42');
const post = (token: string) => restTokenEvent(`Bearer ${token}`, 'dev', 'POST', '/orders');
const iat = NOW - 60;
const exp = NOW + 3540;
let n = 0;
const uid = () => `${process.pid}-${++n}`;

/** Signs with the provider's key; `header` replaces the provider's header members given. */
const sign = (p: Provider, header: Record<string, unknown>, payload: Record<string, unknown>) => forge(keys[p], { kid: keys[p].kid, alg: 'RS256', ...header }, payload);

describe('Amazon Cognito access tokens', () => {
  // Cognito's header carries kid and alg only; access tokens carry client_id and no aud.
  const access = (over: Record<string, unknown> = {}) =>
    sign('cognito', {}, {
      sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      'cognito:groups': ['admin'],
      iss: RECIPES.cognito.issuer,
      version: 2,
      client_id: '1example23456789abcdefghij',
      origin_jti: `o-${uid()}`,
      event_id: 'cf8a6d0c-2a5f-4e31-a8b7-4bb1a2a6b9d1',
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin openid orders-api/orders.read',
      auth_time: iat,
      exp,
      iat,
      jti: `j-${uid()}`,
      username: 'my-test-user',
      ...over,
    });
  it('an access token with the resource-server scope reads orders', async () => {
    await expectDecision(auth(), get(access()), 'allow', 'OK');
  });
  it('without orders-api/orders.write it cannot create one; with it, it can', async () => {
    const t = auth();
    await expectDecision(t, post(access()), 'forbidden', 'SCOPE_MISSING');
    await expectDecision(t, post(access({ scope: 'orders-api/orders.write' })), 'allow', 'OK');
  });
  it('an ID token is refused: it has no client_id (aud instead) …', async () => {
    const id = sign('cognito', {}, {
      at_hash: 'Ld_q5aQ1IUS0yb6RX1X5Ow',
      sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      'cognito:groups': ['admin'],
      email_verified: true,
      iss: RECIPES.cognito.issuer,
      'cognito:username': 'my-test-user',
      origin_jti: `o-${uid()}`,
      aud: '1example23456789abcdefghij',
      event_id: 'cf8a6d0c-2a5f-4e31-a8b7-4bb1a2a6b9d1',
      token_use: 'id',
      auth_time: iat,
      exp,
      iat,
      jti: `j-${uid()}`,
      email: 'my-test-user@example.com',
    });
    await expectDecision(auth(), get(id), 'unauthorized', 'AUDIENCE_MISMATCH');
  });
  it('… and any token_use other than access is refused by the recipe’s REQUIRED_CLAIMS rule', async () => {
    await expectDecision(auth(), get(access({ token_use: 'id' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    const noUse = access({ token_use: undefined });
    await expectDecision(auth(), get(noUse), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
  it('another app client of the same pool is refused', async () => {
    await expectDecision(auth(), get(access({ client_id: '2other000000000000000000000' })), 'unauthorized', 'AUDIENCE_MISMATCH');
  });
});

describe('Auth0 (RFC 9068 token profile with RBAC permissions)', () => {
  const token = (over: Record<string, unknown> = {}, header: Record<string, unknown> = { typ: 'at+jwt' }) =>
    sign('auth0', header, {
      iss: RECIPES.auth0.issuer,
      sub: 'auth0|123456',
      aud: ['https://orders.example.com/api', 'https://my-tenant.eu.auth0.com/userinfo'],
      client_id: 'my_client_id',
      exp,
      iat,
      jti: `73WakrfVbNJBaAmhQtEeDv-${uid()}`,
      scope: 'openid profile read:orders',
      permissions: ['read:orders'],
      ...over,
    });
  it('an at+jwt access token with the read:orders permission reads orders', async () => {
    await expectDecision(auth(), get(token()), 'allow', 'OK');
  });
  it('permissions decide, not the requested scope string', async () => {
    const t = auth();
    await expectDecision(t, post(token({ scope: 'openid create:orders', permissions: ['read:orders'] })), 'forbidden', 'SCOPE_MISSING');
    await expectDecision(t, post(token({ permissions: ['read:orders', 'create:orders'] })), 'allow', 'OK');
  });
  it('a token of the default Auth0 profile (typ JWT) or an ID token is refused by tokenTypes', async () => {
    await expectDecision(auth(), get(token({}, { typ: 'JWT' })), 'unauthorized', 'TYP_NOT_ALLOWED');
    await expectDecision(auth(), get(token({}, {})), 'unauthorized', 'TYP_NOT_ALLOWED');
  });
  it('the issuer’s trailing slash is part of it', async () => {
    await expectDecision(auth(), get(token({ iss: 'https://my-tenant.eu.auth0.com' })), 'unauthorized', 'ISSUER_MISMATCH');
  });
});

describe('Microsoft Entra ID v2', () => {
  const common = () => ({
    aud: API_CLIENT_ID,
    iss: RECIPES.entra.issuer,
    iat,
    nbf: iat,
    exp,
    aio: 'AWQAm/8TAAAA',
    azp: '8f2e0b1a-4c3d-4e5f-9a8b-7c6d5e4f3a2b',
    oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
    rh: '0.AAAA',
    sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
    tid: TENANT,
    uti: `fqiBqXLPj0eQa82S-IYFAA-${uid()}`,
    ver: '2.0',
  });
  const header = { typ: 'JWT', x5t: 'i6lGk3FZzxRcUb2C3nEQ7syHJlY' };
  const delegated = (over: Record<string, unknown> = {}) =>
    sign('entra', header, { ...common(), azpacr: '0', name: 'Abe Lincoln', preferred_username: 'abeli@microsoft.com', scp: 'Orders.Read User.Read', ...over });
  const application = (over: Record<string, unknown> = {}) => sign('entra', header, { ...common(), azpacr: '1', idtyp: 'app', roles: ['Orders.Read.All', 'Orders.Write.All'], ...over });
  it('a delegated token (scp string) reads orders; it carries no jti, uti plays it', async () => {
    await expectDecision(auth(), get(delegated()), 'allow', 'OK');
  });
  it('an application token (roles array) reads and creates orders', async () => {
    const t = auth();
    await expectDecision(t, get(application()), 'allow', 'OK');
    await expectDecision(t, post(application()), 'allow', 'OK');
  });
  it('uti is the replay key: the same token twice is a replay', async () => {
    const t = auth();
    const token = delegated();
    await expectDecision(t, get(token), 'allow', 'OK');
    await expectDecision(t, get(token), 'unauthorized', 'TOKEN_REPLAYED');
  });
  it('a token of another tenant’s v2 endpoint is refused (its issuer is another)', async () => {
    const other = '11111111-2222-3333-4444-555555555555';
    await expectDecision(auth(), get(delegated({ iss: `https://login.microsoftonline.com/${other}/v2.0`, tid: other })), 'unauthorized', 'ISSUER_MISMATCH');
  });
  it('a token for another API (aud) is refused', async () => {
    await expectDecision(auth(), get(delegated({ aud: '00000003-0000-0000-c000-000000000000' })), 'unauthorized', 'AUDIENCE_MISMATCH');
  });
  const v1 = (over: Record<string, unknown> = {}) =>
    sign('entra', header, { ...common(), iss: `https://sts.windows.net/${TENANT}/`, aud: `api://${API_CLIENT_ID}`, appid: '8f2e0b1a-4c3d-4e5f-9a8b-7c6d5e4f3a2b', ver: '1.0', scp: 'Orders.Read', ...over });
  it('a v1 token from the same tenant is refused: sts.windows.net is not configured', async () => {
    await expectDecision(auth(), get(v1()), 'unauthorized', 'ISSUER_MISMATCH');
  });
  it('… unless its issuer is configured too', async () => {
    const v1Entry = { ...RECIPES.entra, issuer: `https://sts.windows.net/${TENANT}/`, jwksUri: servers.entra.url, audienceByStage: { dev: `api://${API_CLIENT_ID}` }, requiredClaims: { tid: TENANT, ver: '1.0' } };
    await expectDecision(auth([v1Entry]), get(v1()), 'allow', 'OK');
  });
  it('a token without uti or with another ver is refused', async () => {
    await expectDecision(auth(), get(delegated({ uti: undefined })), 'unauthorized', 'CLAIMS_INVALID');
    await expectDecision(auth(), get(delegated({ ver: '1.0' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
});

describe('Okta custom authorization server', () => {
  const token = (over: Record<string, unknown> = {}) =>
    sign('okta', {}, {
      ver: 1,
      jti: `AT.${uid()}`,
      iss: RECIPES.okta.issuer,
      aud: 'api://orders',
      iat,
      exp,
      cid: '0oa1web2shop3client4',
      uid: '00u1a2b3c4d5e6f7g8h9',
      scp: ['openid', 'orders.read'],
      auth_time: iat,
      sub: 'alice@example.com',
      ...over,
    });
  it('an access token with the orders.read scope (scp array) reads orders', async () => {
    await expectDecision(auth(), get(token()), 'allow', 'OK');
  });
  it('orders.write in scp creates orders', async () => {
    await expectDecision(auth(), post(token({ cid: '0oa5batch6job7client8', scp: ['orders.write'] })), 'allow', 'OK');
  });
  it('a client not listed in cid is refused', async () => {
    await expectDecision(auth(), get(token({ cid: '0oa9other0client' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
  it('a token of the org authorization server (another issuer) is refused', async () => {
    await expectDecision(auth(), get(token({ iss: 'https://example.okta.com' })), 'unauthorized', 'ISSUER_MISMATCH');
  });
});

describe('Keycloak', () => {
  const token = (over: Record<string, unknown> = {}) =>
    sign('keycloak', { typ: 'JWT' }, {
      exp,
      iat,
      auth_time: iat,
      jti: `onrtac:${uid()}`,
      iss: RECIPES.keycloak.issuer,
      aud: ['orders-api', 'account'],
      sub: 'f1b6a3a2-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
      typ: 'Bearer',
      azp: 'web-shop',
      sid: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      acr: '1',
      'allowed-origins': ['https://shop.example.com'],
      realm_access: { roles: ['default-roles-shop', 'offline_access'] },
      resource_access: { account: { roles: ['manage-account'] } },
      scope: 'openid email profile orders:read',
      email_verified: true,
      preferred_username: 'alice',
      ...over,
    });
  it('an access token (scope string, aud array) reads orders; its scope names pass unchanged', async () => {
    await expectDecision(auth(), get(token()), 'allow', 'OK');
  });
  it('roles in realm_access grant nothing', async () => {
    await expectDecision(auth(), post(token({ realm_access: { roles: ['orders:write'] } })), 'forbidden', 'SCOPE_MISSING');
  });
  it('an ID token (typ ID) or a token of an unlisted client (azp) is refused', async () => {
    await expectDecision(auth(), get(token({ typ: 'ID' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(auth(), get(token({ azp: 'admin-cli' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
  it('a token whose aud lacks the API (only account) is refused', async () => {
    await expectDecision(auth(), get(token({ aud: 'account' })), 'unauthorized', 'AUDIENCE_MISMATCH');
  });
});

describe('one authorizer, one route table', () => {
  it('a token of each provider’s shape is verified only by that provider’s keys', async () => {
    const t = auth();
    await t.authorizer.keysPrefetched;
    const before = servers.keycloak.requests;
    // The Okta-shaped token, but signed by Keycloak's key: refused whatever the kid says.
    const forged = forge(keys.keycloak, { alg: 'RS256', kid: keys.okta.kid }, { ver: 1, jti: `AT.${uid()}`, iss: RECIPES.okta.issuer, aud: 'api://orders', iat, exp, cid: '0oa1web2shop3client4', scp: ['orders.read'], sub: 'x' });
    await expectDecision(t, get(forged), 'unauthorized', 'SIGNATURE_INVALID');
    expect(servers.keycloak.requests).toBe(before);
  });
});

describe('docs/issuers.md', () => {
  it('gives exactly these recipes, in this order', () => {
    const text = readFileSync(new URL('../../docs/issuers.md', import.meta.url), 'utf8');
    const entries = [...text.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => JSON.parse(m[1]!) as unknown)
      .filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && 'issuer' in v);
    expect(entries).toEqual(PROVIDERS.map((p) => RECIPES[p]));
  });
});
