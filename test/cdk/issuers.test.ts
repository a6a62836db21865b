/**
 * The construct with several issuers (design §9): `issuers` and `requiredClaims` become TRUSTED_ISSUERS
 * and REQUIRED_CLAIMS, with the same validation at synth as the function's at cold start.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { JwtAuthorizer, type JwtAuthorizerProps } from '../../cdk/jwt-authorizer.js';
import { DEMO_ROUTES } from '../../cdk/routes.js';
import { parseConfig } from '../../lib/config.js';
import { authorizerFunction, bareStack, removeOutdirs } from './support.js';

afterAll(removeOutdirs);

const COGNITO = { issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123', audienceClaim: 'client_id', requiredClaims: { token_use: 'access' } } as const;
const AUTH0 = { issuer: 'https://my-tenant.eu.auth0.com/', tokenTypes: ['at+jwt'], scopeClaims: ['permissions'], scopeMap: { 'read:orders': 'orders:read' } };
const BASE: JwtAuthorizerProps = { issuers: [COGNITO, AUTH0], audienceByStage: { dev: 'api-dev' }, routes: DEMO_ROUTES };

const make = (overrides: Partial<JwtAuthorizerProps> = {}) => new JwtAuthorizer(bareStack(), 'Auth', { ...BASE, ...overrides });

describe('JwtAuthorizer with issuers', () => {
  it('passes TRUSTED_ISSUERS and REQUIRED_CLAIMS, and neither JWT_ISSUER nor JWKS_URI', () => {
    const stack = bareStack();
    new JwtAuthorizer(stack, 'Auth', { ...BASE, requiredClaims: { ver: ['1', '2'] } });
    const [, fn] = authorizerFunction(Template.fromStack(stack));
    const env = (fn.Properties!['Environment'] as { Variables: Record<string, string> }).Variables;
    expect(JSON.parse(env['TRUSTED_ISSUERS']!)).toEqual([COGNITO, AUTH0]);
    expect(JSON.parse(env['REQUIRED_CLAIMS']!)).toEqual({ ver: ['1', '2'] });
    expect(env).not.toHaveProperty('JWT_ISSUER');
    expect(env).not.toHaveProperty('JWKS_URI');
    const config = parseConfig({ ...env, REPLAY_TABLE_NAME: 'replay-table' });
    expect(config.issuers.map((i) => i.issuer)).toEqual([COGNITO.issuer, AUTH0.issuer]);
    expect(config.issuers[0]!.requiredClaims).toEqual([
      { claim: 'ver', accepted: ['1', '2'] },
      { claim: 'token_use', accepted: ['access'] },
    ]);
  });

  it('needs no audienceByStage when every issuer has its own', () => {
    expect(() => make({ audienceByStage: undefined, issuers: [{ ...COGNITO, audienceByStage: { dev: 'c' } }, { ...AUTH0, audienceByStage: { prod: 'a' } }] })).not.toThrow();
  });

  it.each<[string, Partial<JwtAuthorizerProps>, RegExp]>([
    ['issuers with issuer', { issuer: 'https://issuer.example.com' }, /issuers replaces issuer and jwksUri: set one or the other/],
    ['issuers with jwksUri', { jwksUri: 'https://issuer.example.com/jwks' }, /issuers replaces issuer and jwksUri/],
    ['no issuer at all', { issuers: undefined }, /issuer \(or issuers, for several\) is required/],
    ['an empty list', { issuers: [] }, /issuers must list at least one issuer/],
    ['21 issuers', { issuers: Array.from({ length: 21 }, (_, i) => ({ issuer: `https://i${i}.example.com` })) }, /issuers must list at most 20 issuers, got 21/],
    ['an http issuer', { issuers: [{ issuer: 'http://a.example.com' }] }, /issuers\[0\]\.issuer "http:\/\/a.example.com" must be an https: URL/],
    ['an http jwksUri', { issuers: [COGNITO, { ...AUTH0, jwksUri: 'http://a.example.com/jwks' }] }, /issuers\[1\]\.jwksUri .* must be an https: URL/],
    ['a duplicate issuer', { issuers: [COGNITO, AUTH0, { issuer: COGNITO.issuer }] }, /TRUSTED_ISSUERS: \[2\] .* is listed twice/],
    ['an unknown field', { issuers: [{ ...AUTH0, jwks: 'x' } as never] }, /TRUSTED_ISSUERS: unknown field "jwks" \(at \[0\]\)/],
    ['a forbidden required claim', { requiredClaims: { sub: 'x' } }, /REQUIRED_CLAIMS: cannot name "sub"/],
    ['a forbidden issuer claim rule', { issuers: [{ ...AUTH0, requiredClaims: { permissions: 'x' } }] }, /TRUSTED_ISSUERS: \[0\] .*requiredClaims cannot name "permissions"/],
    ['an issuer without audience', { audienceByStage: undefined }, /audienceByStage is required unless every entry of issuers has its own/],
    ['HMAC for one issuer', { issuers: [{ ...AUTH0, algorithms: ['HS256' as never] }] }, /algorithms "HS256" is refused/],
  ])('refuses %s at synth', (_name, overrides, message) => {
    expect(() => make(overrides)).toThrow(message);
  });
});
