import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { ConfigError } from '../../lib/errors.js';

const base = {
  JWT_ISSUER: 'https://issuer.example.com',
  AUDIENCE_BY_STAGE: '{"dev":"api-dev","prod":["api","api-prod"]}',
  ROUTE_PERMISSIONS: '[{"route":"GET /orders/{id}","scopes":["orders:read"]}]',
  REPLAY_TABLE_NAME: 'replay',
};

function error(overrides: Record<string, string | undefined>): string {
  try {
    parseConfig({ ...base, ...overrides });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(base);
    const issuer = config.issuers[0]!;
    expect(config.issuers).toHaveLength(1);
    expect(issuer.issuer).toBe('https://issuer.example.com');
    expect(config.issuerMap.get('https://issuer.example.com')).toBe(issuer);
    expect(issuer.jwksUri).toBe('https://issuer.example.com/.well-known/jwks.json');
    expect(issuer.audienceClaim).toBe('aud');
    expect(issuer.algorithms).toEqual(['RS256', 'ES256']);
    expect(issuer.jtiClaim).toBe('jti');
    expect(issuer.scopeMap).toBeUndefined();
    expect(issuer.requiredClaims).toEqual([]);
    expect(config.clockSkewSeconds).toBe(30);
    expect(config.maxTokenLifetimeSeconds).toBe(86400);
    expect(issuer.tokenTypes.allowAbsent).toBe(true);
    expect([...issuer.tokenTypes.values]).toEqual(['jwt', 'at+jwt']);
    expect(issuer.scopeClaims).toEqual(['scope', 'scp']);
    expect(config.replayProtection).toBe('single-use');
    expect(config.replayTableName).toBe('replay');
    expect(config.httpApiResponse).toBe('simple');
    expect(issuer.audienceByStage.get('prod')).toEqual(['api', 'api-prod']);
    expect(issuer.audienceByStage.get('dev')).toEqual(['api-dev']);
    expect([...config.stages]).toEqual(['dev', 'prod']);
  });

  it('reads JWKS_MAX_STALE_SECONDS: default 3600, 0 turns stale-if-error off, at most 86400', () => {
    expect(parseConfig(base).jwksMaxStaleSeconds).toBe(3600);
    expect(parseConfig({ ...base, JWKS_MAX_STALE_SECONDS: '0' }).jwksMaxStaleSeconds).toBe(0);
    expect(parseConfig({ ...base, JWKS_MAX_STALE_SECONDS: '86400' }).jwksMaxStaleSeconds).toBe(86400);
    for (const bad of ['86401', '-1', '1.5', 'one hour', '3600s']) {
      expect(error({ JWKS_MAX_STALE_SECONDS: bad })).toBe('Invalid configuration: JWKS_MAX_STALE_SECONDS: must be a whole number from 0 to 86400');
    }
  });

  it('is frozen', () => {
    const config = parseConfig(base);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.issuers)).toBe(true);
    expect(Object.isFrozen(config.issuers[0])).toBe(true);
    expect(() => {
      (config.issuers[0] as { issuer: string }).issuer = 'https://evil';
    }).toThrow();
  });

  it('strips a trailing slash of the issuer only when deriving the JWKS URI', () => {
    const config = parseConfig({ ...base, JWT_ISSUER: 'https://issuer.example.com/' });
    expect(config.issuers[0]!.issuer).toBe('https://issuer.example.com/');
    expect(config.issuers[0]!.jwksUri).toBe('https://issuer.example.com/.well-known/jwks.json');
  });

  it('accepts http JWKS on loopback only', () => {
    expect(parseConfig({ ...base, JWKS_URI: 'http://127.0.0.1:9000/jwks' }).issuers[0]!.jwksUri).toBe('http://127.0.0.1:9000/jwks');
    expect(parseConfig({ ...base, JWKS_URI: 'http://localhost:9000/jwks' }).issuers[0]!.jwksUri).toBe('http://localhost:9000/jwks');
    expect(error({ JWKS_URI: 'http://issuer.example.com/jwks' })).toBe('Invalid configuration: JWKS_URI: must use https: (http: is accepted only on loopback)');
    expect(error({ JWKS_URI: 'http://127.0.0.1.evil.com/jwks' })).toMatch(/JWKS_URI: must use https/);
  });

  it.each([
    [{ JWT_ISSUER: undefined }, 'JWT_ISSUER: is required'],
    [{ JWT_ISSUER: '  ' }, 'JWT_ISSUER: must not be empty'],
    [{ JWT_ISSUER: 'https://a b' }, 'JWT_ISSUER: must not contain whitespace'],
    [{ JWKS_URI: 'not a url' }, 'JWKS_URI: is not a valid URL'],
    [{ JWKS_URI: 'ftp://issuer.example.com/jwks' }, 'JWKS_URI: must use https:'],
    [{ JWKS_URI: 'https://user:pw@issuer.example.com/jwks' }, 'JWKS_URI: must not carry credentials'],
    [{ JWT_ISSUER: 'issuer-without-url' }, 'JWKS_URI: is not a valid URL'],
    [{ AUDIENCE_BY_STAGE: undefined }, 'AUDIENCE_BY_STAGE: is required'],
    [{ AUDIENCE_BY_STAGE: '{dev:1}' }, 'AUDIENCE_BY_STAGE: is not valid JSON'],
    [{ AUDIENCE_BY_STAGE: '{}' }, 'AUDIENCE_BY_STAGE: must name at least one stage'],
    [{ AUDIENCE_BY_STAGE: '["api"]' }, 'AUDIENCE_BY_STAGE: must be a JSON object of stage name to audience'],
    [{ AUDIENCE_BY_STAGE: '{"dev":""}' }, 'AUDIENCE_BY_STAGE: an audience must be a non-empty string (at .dev)'],
    [{ AUDIENCE_BY_STAGE: '{"dev":[]}' }, 'AUDIENCE_BY_STAGE: an audience list must not be empty (at .dev)'],
    [{ AUDIENCE_BY_STAGE: '{"dev":42}' }, 'AUDIENCE_BY_STAGE: an audience must be a non-empty string or a non-empty array of strings (at .dev)'],
    [{ AUDIENCE_BY_STAGE: '{"__proto__":"x","dev":"api-dev"}' }, 'AUDIENCE_BY_STAGE: must not use the key "__proto__" (at .__proto__)'],
    [{ AUDIENCE_BY_STAGE: '{"dev":"api-dev","prod":{"__proto__":["a"]}}' }, 'AUDIENCE_BY_STAGE: must not use the key "__proto__" (at .prod.__proto__)'],
    [{ AUDIENCE_CLAIM: 'azp' }, 'AUDIENCE_CLAIM: must be "aud" or "client_id"'],
    [{ JWT_ALGORITHMS: 'none' }, 'JWT_ALGORITHMS: "none" is refused'],
    [{ JWT_ALGORITHMS: 'RS256,HS256' }, 'JWT_ALGORITHMS: "HS256" is refused'],
    [{ JWT_ALGORITHMS: 'rs256' }, 'JWT_ALGORITHMS: "rs256" is not supported'],
    [{ JWT_ALGORITHMS: ' , ' }, 'JWT_ALGORITHMS: must list at least one algorithm'],
    [{ CLOCK_SKEW_SECONDS: '301' }, 'CLOCK_SKEW_SECONDS: must be a whole number from 0 to 300'],
    [{ CLOCK_SKEW_SECONDS: '-1' }, 'CLOCK_SKEW_SECONDS: must be a whole number from 0 to 300'],
    [{ CLOCK_SKEW_SECONDS: '1.5' }, 'CLOCK_SKEW_SECONDS: must be a whole number'],
    [{ MAX_TOKEN_LIFETIME_SECONDS: '0' }, 'MAX_TOKEN_LIFETIME_SECONDS: must be a whole number from 1 to 2592000'],
    [{ MAX_TOKEN_LIFETIME_SECONDS: 'day' }, 'MAX_TOKEN_LIFETIME_SECONDS: must be a whole number'],
    [{ TOKEN_TYPES: ',' }, 'TOKEN_TYPES: must list at least one type'],
    [{ SCOPE_CLAIMS: ',' }, 'SCOPE_CLAIMS: must list at least one claim name'],
    [{ ROUTE_PERMISSIONS: undefined }, 'ROUTE_PERMISSIONS: is required'],
    [{ ROUTE_PERMISSIONS: '[]' }, 'ROUTE_PERMISSIONS: must list at least one route'],
    [{ ROUTE_PERMISSIONS: '{"route":"GET /"}' }, 'ROUTE_PERMISSIONS: must be a JSON array of {"route": ..., "scopes": [...]} entries'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a","scopes":["x"],"role":"admin"}]' }, 'ROUTE_PERMISSIONS: unknown key "role" (only "route" and "scopes") (at [0])'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a","scopes":[]},{"__proto__":{},"route":"GET /b","scopes":[]}]' }, 'ROUTE_PERMISSIONS: must not use the key "__proto__" (at [1].__proto__)'],
    [{ ROUTE_PERMISSIONS: '[1]' }, 'ROUTE_PERMISSIONS: an entry must be an object {"route": ..., "scopes": [...]} (at [0])'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a","scopes":[]},{"route":"GET /b"}]' }, 'ROUTE_PERMISSIONS: "scopes" must be an array of strings (at [1].scopes)'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a","scopes":["x",7]}]' }, 'ROUTE_PERMISSIONS: a scope must be a string (at [0].scopes[1])'],
    [{ ROUTE_PERMISSIONS: '[{"route":5,"scopes":[]}]' }, 'ROUTE_PERMISSIONS: "route" must be a string such as "GET /orders/{id}" (at [0].route)'],
    [{ ROUTE_PERMISSIONS: '[{"route":"get /a","scopes":[]}]' }, 'ROUTE_PERMISSIONS: route "get /a": method must be ANY or an HTTP method in capitals'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET a","scopes":[]}]' }, 'ROUTE_PERMISSIONS: route "GET a": path must start with "/"'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a/{p+}/b","scopes":[]}]' }, 'ROUTE_PERMISSIONS: route "GET /a/{p+}/b": {proxy+} is allowed only as the last segment'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a//b","scopes":[]}]' }, 'ROUTE_PERMISSIONS: route "GET /a//b": segment "" is empty or has a reserved character'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a/*","scopes":[]}]' }, 'ROUTE_PERMISSIONS: route "GET /a/*": segment "*" is empty or has a reserved character'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a/{x}","scopes":[]},{"route":"GET /a/{y}","scopes":[]}]' }, 'ROUTE_PERMISSIONS: route "GET /a/{y}" is listed twice'],
    [{ ROUTE_PERMISSIONS: '[{"route":"GET /a","scopes":["has space"]}]' }, 'ROUTE_PERMISSIONS: route "GET /a": scope "has space" is empty or has whitespace'],
    [{ REPLAY_PROTECTION: 'once' }, 'REPLAY_PROTECTION: must be "single-use" or "off"'],
    [{ REPLAY_TABLE_NAME: undefined }, 'REPLAY_TABLE_NAME: is required when REPLAY_PROTECTION is single-use'],
    [{ REPLAY_TABLE_NAME: 'a b' }, 'REPLAY_TABLE_NAME: is not a valid DynamoDB table name'],
    [{ HTTP_API_RESPONSE: 'policy' }, 'HTTP_API_RESPONSE: must be "simple" or "iam"'],
  ])('refuses %j with a message naming the variable', (overrides, message) => {
    const text = error(overrides);
    expect(text.startsWith('Invalid configuration: ')).toBe(true);
    expect(text).toContain(message);
  });

  it('never answers with zod\'s bare "Invalid input"', () => {
    for (const bad of ['[1]', '[{"route":"GET /a"}]', '{"a":1}', '[{"route":"GET /a","scopes":[],"x":1}]', '"x"', 'null']) {
      expect(error({ ROUTE_PERMISSIONS: bad })).not.toMatch(/Invalid input/);
      expect(error({ AUDIENCE_BY_STAGE: bad })).not.toMatch(/Invalid input/);
    }
  });

  it('keeps "constructor" and "prototype" as ordinary stage names', () => {
    const config = parseConfig({ ...base, AUDIENCE_BY_STAGE: '{"constructor":"a","prototype":"b"}' });
    expect(config.issuers[0]!.audienceByStage.get('constructor')).toEqual(['a']);
    expect(config.issuers[0]!.audienceByStage.get('prototype')).toEqual(['b']);
  });

  it('names every bad variable at once', () => {
    const text = error({ JWT_ISSUER: undefined, HTTP_API_RESPONSE: 'x' });
    expect(text).toContain('JWT_ISSUER');
    expect(text).toContain('HTTP_API_RESPONSE');
  });

  it('does not need a table when replay protection is off', () => {
    const config = parseConfig({ ...base, REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: undefined });
    expect(config.replayTableName).toBeUndefined();
  });

  it('normalizes TOKEN_TYPES and the absent keyword', () => {
    const config = parseConfig({ ...base, TOKEN_TYPES: 'application/AT+JWT' });
    expect(config.issuers[0]!.tokenTypes.allowAbsent).toBe(false);
    expect([...config.issuers[0]!.tokenTypes.values]).toEqual(['at+jwt']);
  });

  it('reads HTTP APIs $default stage as a plain key', () => {
    const config = parseConfig({ ...base, AUDIENCE_BY_STAGE: '{"$default":"api-http"}' });
    expect(config.issuers[0]!.audienceByStage.get('$default')).toEqual(['api-http']);
  });
});
