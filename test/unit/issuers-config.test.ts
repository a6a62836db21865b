/**
 * TRUSTED_ISSUERS and REQUIRED_CLAIMS at cold start (design §9): every refusal names its variable, every
 * default is the matching global variable.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { ConfigError } from '../../lib/errors.js';

const ROUTES = '[{"route":"GET /orders/{id}","scopes":["orders:read"]}]';
const base = { ROUTE_PERMISSIONS: ROUTES, REPLAY_TABLE_NAME: 'replay', AUDIENCE_BY_STAGE: '{"dev":"api-dev"}' };
const A = { issuer: 'https://a.example.com/' };
const B = { issuer: 'https://b.example.com', jwksUri: 'https://keys.example.com/b.json' };
const multi = (entries: unknown, extra: Record<string, string | undefined> = {}) => ({ ...base, TRUSTED_ISSUERS: JSON.stringify(entries), ...extra });

function error(env: Record<string, string | undefined>): string {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('TRUSTED_ISSUERS', () => {
  it('builds one entry per issuer with the global variables as defaults', () => {
    const config = parseConfig(multi([A, B], { AUDIENCE_CLAIM: 'client_id', JWT_ALGORITHMS: 'ES256', SCOPE_CLAIMS: 'scp', TOKEN_TYPES: 'at+jwt' }));
    expect(config.issuers.map((i) => i.issuer)).toEqual([A.issuer, B.issuer]);
    const [a, b] = config.issuers;
    // jwksUri defaults to the issuer's own well-known path, trailing slash removed; never another's.
    expect(a!.jwksUri).toBe('https://a.example.com/.well-known/jwks.json');
    expect(b!.jwksUri).toBe('https://keys.example.com/b.json');
    for (const i of [a!, b!]) {
      expect(i.audienceClaim).toBe('client_id');
      expect(i.algorithms).toEqual(['ES256']);
      expect(i.scopeClaims).toEqual(['scp']);
      expect([...i.tokenTypes.values]).toEqual(['at+jwt']);
      expect(i.tokenTypes.allowAbsent).toBe(false);
      expect(i.jtiClaim).toBe('jti');
      expect(i.scopeMap).toBeUndefined();
      expect(i.audienceByStage.get('dev')).toEqual(['api-dev']);
    }
    expect(config.issuerMap.get(A.issuer)).toBe(a);
    expect(config.issuerMap.get('https://a.example.com')).toBeUndefined();
  });

  it('takes every field of an entry', () => {
    const config = parseConfig(
      multi([
        {
          issuer: 'https://login.microsoftonline.com/tid/v2.0',
          jwksUri: 'https://login.microsoftonline.com/tid/discovery/v2.0/keys',
          audienceClaim: 'aud',
          scopeClaims: ['scp', 'roles'],
          scopeMap: { 'Orders.Read': 'orders:read' },
          algorithms: ['RS256'],
          tokenTypes: ['JWT'],
          jtiClaim: 'uti',
          requiredClaims: { tid: 'tid', ver: ['2.0'] },
          audienceByStage: { prod: ['api-1', 'api-2'] },
        },
      ]),
    );
    const [e] = config.issuers;
    expect(e!.scopeClaims).toEqual(['scp', 'roles']);
    expect([...e!.scopeMap!]).toEqual([['Orders.Read', 'orders:read']]);
    expect(e!.algorithms).toEqual(['RS256']);
    expect(e!.tokenTypes.allowAbsent).toBe(false);
    expect(e!.jtiClaim).toBe('uti');
    expect(e!.requiredClaims).toEqual([
      { claim: 'tid', accepted: ['tid'] },
      { claim: 'ver', accepted: ['2.0'] },
    ]);
    expect(e!.audienceByStage.get('prod')).toEqual(['api-1', 'api-2']);
    expect([...config.stages]).toEqual(['prod']);
  });

  it('merges REQUIRED_CLAIMS with an issuer’s own: added, and replaced only for the same claim', () => {
    const config = parseConfig(multi([{ ...A, requiredClaims: { token_use: ['access', 'm2m'], tid: 't' } }, B], { REQUIRED_CLAIMS: '{"token_use":"access","ver":2}' }));
    expect(config.issuers[0]!.requiredClaims).toEqual([
      { claim: 'ver', accepted: [2] },
      { claim: 'token_use', accepted: ['access', 'm2m'] },
      { claim: 'tid', accepted: ['t'] },
    ]);
    expect(config.issuers[1]!.requiredClaims).toEqual([
      { claim: 'token_use', accepted: ['access'] },
      { claim: 'ver', accepted: [2] },
    ]);
  });

  it('does not need AUDIENCE_BY_STAGE when every entry has its own; stages are their union', () => {
    const config = parseConfig(multi([{ ...A, audienceByStage: { dev: 'a' } }, { ...B, audienceByStage: { prod: 'b' } }], { AUDIENCE_BY_STAGE: undefined }));
    expect([...config.stages].sort()).toEqual(['dev', 'prod']);
  });

  it('accepts 20 issuers', () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ issuer: `https://issuer-${i}.example.com` }));
    expect(parseConfig(multi(entries)).issuers).toHaveLength(20);
  });

  it.each([
    ['combined with JWT_ISSUER', multi([A], { JWT_ISSUER: 'https://a.example.com/' }), 'TRUSTED_ISSUERS: cannot be combined with JWT_ISSUER or JWKS_URI'],
    ['combined with JWKS_URI', multi([A], { JWKS_URI: 'https://a.example.com/jwks' }), 'TRUSTED_ISSUERS: cannot be combined with JWT_ISSUER or JWKS_URI'],
    ['no issuer at all', base, 'JWT_ISSUER: is required (or TRUSTED_ISSUERS for several issuers)'],
    ['an empty list', multi([]), 'TRUSTED_ISSUERS: must list at least one issuer'],
    ['21 issuers', multi(Array.from({ length: 21 }, (_, i) => ({ issuer: `https://i${i}.example.com` }))), 'TRUSTED_ISSUERS: must list at most 20 issuers'],
    ['a duplicate issuer', multi([A, B, { issuer: A.issuer, jwksUri: 'https://other.example.com/jwks' }]), 'TRUSTED_ISSUERS: [2] "https://a.example.com/" is listed twice'],
    ['an unknown field', multi([{ ...A, jwks_uri: 'https://x' }]), 'TRUSTED_ISSUERS: unknown field "jwks_uri" (at [0])'],
    ['invalid JSON', { ...base, TRUSTED_ISSUERS: '[{issuer:1}]' }, 'TRUSTED_ISSUERS: is not valid JSON'],
    ['not an array', { ...base, TRUSTED_ISSUERS: JSON.stringify(A) }, 'TRUSTED_ISSUERS: expected array'],
    ['an entry without issuer', multi([{ jwksUri: 'https://x.example.com/jwks' }]), 'TRUSTED_ISSUERS: expected string (at [0].issuer)'],
    ['an empty issuer', multi([{ issuer: ' ' }]), 'TRUSTED_ISSUERS: [0] issuer must not be empty'],
    ['an issuer with whitespace', multi([{ issuer: 'https://a b' }]), 'TRUSTED_ISSUERS: [0] issuer must not contain whitespace'],
    ['an http jwksUri', multi([{ ...A, jwksUri: 'http://a.example.com/jwks' }]), 'TRUSTED_ISSUERS: [0] "https://a.example.com/": jwksUri must use https: (http: is accepted only on loopback)'],
    ['an http issuer (default jwksUri)', multi([{ issuer: 'http://a.example.com' }]), 'TRUSTED_ISSUERS: [0] "http://a.example.com": jwksUri must use https: (http: is accepted only on loopback) (derived from the issuer'],
    ['a jwksUri with credentials', multi([{ ...A, jwksUri: 'https://u:p@a.example.com/jwks' }]), 'jwksUri must not carry credentials'],
    ['a bad audienceClaim', multi([{ ...A, audienceClaim: 'azp' }]), 'TRUSTED_ISSUERS: must be "aud" or "client_id" (at [0].audienceClaim)'],
    ['algorithm none', multi([{ ...A, algorithms: ['none'] }]), 'TRUSTED_ISSUERS: [0] "https://a.example.com/": algorithms "none" is refused'],
    ['algorithm HS256', multi([{ ...A, algorithms: ['RS256', 'HS256'] }]), 'algorithms "HS256" is refused'],
    ['no algorithms', multi([{ ...A, algorithms: [] }]), 'algorithms must list at least one algorithm'],
    ['no token types', multi([{ ...A, tokenTypes: [] }]), 'tokenTypes must list at least one type'],
    ['no scope claims', multi([{ ...A, scopeClaims: [] }]), 'scopeClaims must list at least one claim name'],
    ['a scope claim with a space', multi([{ ...A, scopeClaims: ['a b'] }]), 'TRUSTED_ISSUERS: must not contain whitespace (at [0].scopeClaims[0])'],
    ['a scopeMap value with a space', multi([{ ...A, scopeMap: { x: 'orders read' } }]), 'TRUSTED_ISSUERS: must not contain whitespace (at [0].scopeMap.x)'],
    ['a scopeMap value that is not a string', multi([{ ...A, scopeMap: { x: ['a'] } }]), 'TRUSTED_ISSUERS: '],
    ['an empty jtiClaim', multi([{ ...A, jtiClaim: '' }]), 'TRUSTED_ISSUERS: must not be empty (at [0].jtiClaim)'],
    ['jtiClaim sub', multi([{ ...A, jtiClaim: 'sub' }]), 'TRUSTED_ISSUERS: [0] "https://a.example.com/": jtiClaim cannot be "sub"'],
    ['jtiClaim a scope claim', multi([{ ...A, jtiClaim: 'scp' }]), 'jtiClaim cannot be "scp"'],
    ['an empty audienceByStage', multi([{ ...A, audienceByStage: {} }]), 'TRUSTED_ISSUERS: [0] "https://a.example.com/": audienceByStage must name at least one stage'],
    ['an empty audience', multi([{ ...A, audienceByStage: { dev: '' } }]), 'TRUSTED_ISSUERS: an audience must be a non-empty string (at [0].audienceByStage.dev)'],
    ['no audience anywhere', multi([A, { ...B, audienceByStage: { dev: 'b' } }], { AUDIENCE_BY_STAGE: undefined }), 'AUDIENCE_BY_STAGE: is required unless every TRUSTED_ISSUERS entry has its own audienceByStage'],
  ])('refuses %s, naming the variable', (_name, env, message) => {
    const text = error(env);
    expect(text.startsWith('Invalid configuration: ')).toBe(true);
    expect(text).toContain(message);
  });
});

describe('REQUIRED_CLAIMS', () => {
  const single = { ...base, JWT_ISSUER: 'https://issuer.example.com' };
  it('parses values and lists of accepted values', () => {
    const config = parseConfig({ ...single, REQUIRED_CLAIMS: '{"token_use":"access","ver":2,"email_verified":true,"azp":["web","cli"]}' });
    expect(config.issuers[0]!.requiredClaims).toEqual([
      { claim: 'token_use', accepted: ['access'] },
      { claim: 'ver', accepted: [2] },
      { claim: 'email_verified', accepted: [true] },
      { claim: 'azp', accepted: ['web', 'cli'] },
    ]);
  });

  it.each(['iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'jti', 'cnf', 'scope', 'scp'])('refuses a rule on %s (registered, protocol or scope claim)', (claim) => {
    expect(error({ ...single, REQUIRED_CLAIMS: JSON.stringify({ [claim]: 'x' }) })).toContain(`REQUIRED_CLAIMS: cannot name "${claim}"`);
  });

  it.each([
    ['a configured scope claim', { SCOPE_CLAIMS: 'permissions', REQUIRED_CLAIMS: '{"permissions":"x"}' }, 'REQUIRED_CLAIMS: cannot name "permissions"'],
    ['client_id when it is the audience claim', { AUDIENCE_CLAIM: 'client_id', REQUIRED_CLAIMS: '{"client_id":"x"}' }, 'REQUIRED_CLAIMS: cannot name "client_id"'],
    ['invalid JSON', { REQUIRED_CLAIMS: '{token_use:1}' }, 'REQUIRED_CLAIMS: is not valid JSON'],
    ['an array', { REQUIRED_CLAIMS: '["token_use"]' }, 'REQUIRED_CLAIMS: '],
    ['an object value', { REQUIRED_CLAIMS: '{"a":{"b":1}}' }, 'REQUIRED_CLAIMS: '],
    ['null', { REQUIRED_CLAIMS: '{"a":null}' }, 'REQUIRED_CLAIMS: '],
    ['an empty list', { REQUIRED_CLAIMS: '{"a":[]}' }, 'REQUIRED_CLAIMS: list of accepted values must not be empty'],
    ['a nested list', { REQUIRED_CLAIMS: '{"a":[["x"]]}' }, 'REQUIRED_CLAIMS: '],
  ])('refuses %s', (_name, env, message) => {
    expect(error({ ...single, ...env })).toContain(message);
  });

  it('refuses a global rule on any issuer’s jtiClaim or scope claims', () => {
    expect(error(multi([A, { ...B, jtiClaim: 'uti' }], { REQUIRED_CLAIMS: '{"uti":"x"}' }))).toContain('REQUIRED_CLAIMS: cannot name "uti"');
    expect(error(multi([A, { ...B, scopeClaims: ['roles'] }], { REQUIRED_CLAIMS: '{"roles":"x"}' }))).toContain('REQUIRED_CLAIMS: cannot name "roles"');
  });

  it('refuses an issuer rule on its own protocol claims, naming TRUSTED_ISSUERS', () => {
    for (const [entry, claim] of [
      [{ ...A, requiredClaims: { cnf: 'x' } }, 'cnf'],
      [{ ...A, jtiClaim: 'uti', requiredClaims: { uti: 'x' } }, 'uti'],
      [{ ...A, scopeClaims: ['roles'], requiredClaims: { roles: 'x' } }, 'roles'],
      [{ ...A, requiredClaims: { scp: 'x' } }, 'scp'],
    ] as const) {
      expect(error(multi([entry]))).toContain(`TRUSTED_ISSUERS: [0] "https://a.example.com/": requiredClaims cannot name "${claim}"`);
    }
  });
});
