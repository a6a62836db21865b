/**
 * `JwtAuthorizer` with `openApi: { document, scheme? }` instead of `routes` (design §11): the table is
 * generated at synth; a document with error findings fails the synth listing them; warnings become
 * CDK warnings. Bundling is skipped; validation runs before it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { JwtAuthorizer, type JwtAuthorizerProps } from '../../cdk/jwt-authorizer.js';
import { DEMO_OPENAPI_DOCUMENT } from '../../cdk/routes.js';
import { ENV } from '../../lib/env-names.js';
import { authorizerFunction, bareStack, removeOutdirs } from './support.js';
import { fixture } from '../tools/support.js';

afterAll(removeOutdirs);

const BASE = { issuer: 'https://issuer.example.com', audienceByStage: { dev: 'api-dev' } } as const;

function synth(props: Partial<JwtAuthorizerProps>) {
  const stack = bareStack();
  const auth = new JwtAuthorizer(stack, 'Auth', { ...BASE, ...props });
  return { stack, auth };
}

const routePermissionsOf = (template: Template) => {
  const [, fn] = authorizerFunction(template);
  return JSON.parse(String((fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables[ENV.routePermissions]));
};

describe('JwtAuthorizer openApi', () => {
  it('generates ROUTE_PERMISSIONS from the document and exposes the table', () => {
    const { stack, auth } = synth({ openApi: { document: fixture('clean-30.yaml') } });
    const expected = [
      { route: 'GET /products', scopes: ['shop:read'] },
      { route: 'POST /products', scopes: ['shop:write'] },
      { route: 'GET /products/{sku}', scopes: ['shop:read'] },
      { route: 'DELETE /products/{sku}', scopes: ['shop:write', 'shop:delete'] },
    ];
    expect(routePermissionsOf(Template.fromStack(stack))).toEqual(expected);
    expect(auth.routes).toEqual(expected);
  });

  it('resolves a path item $ref in a 3.1 JSON document, and takes the scheme from openApi.scheme', () => {
    const { auth } = synth({ openApi: { document: fixture('clean-31.json') } });
    expect(auth.routes.map((r) => r.route)).toContain('PUT /widgets/{id}');
    const { auth: oauth } = synth({ openApi: { document: fixture('oauth-31.yaml'), scheme: 'oauth' } });
    expect(oauth.routes).toEqual([
      { route: 'GET /reports', scopes: ['reports:read'] },
      { route: 'DELETE /reports/{id}', scopes: ['reports:read', 'reports:delete'] },
    ]);
  });

  it('fails the synth on error findings, listing every one with its operation and pointer', () => {
    let message = '';
    try {
      synth({ openApi: { document: fixture('findings.yaml') } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^JwtAuthorizer: openApi: .*findings.yaml has 7 security errors/);
    for (const rule of ['no-security', 'optional-auth', 'unknown-scheme', 'scope-alternatives', 'undeclared-scope', 'invalid-route', 'route-conflict']) {
      expect(message).toContain(`error ${rule}:`);
    }
    expect(message).toContain('GET /open (');
    expect(message).toContain('/paths/~1open/get');
    expect(message).not.toMatch(/warning/);
  });

  it('fails the synth when the scheme cannot be chosen or the document cannot be read', () => {
    expect(() => synth({ openApi: { document: fixture('two-authorizers.yaml') } })).toThrow(/JwtAuthorizer: openApi: .*several security schemes/);
    expect(() => synth({ openApi: { document: fixture('missing.yaml') } })).toThrow(/JwtAuthorizer: openApi: cannot read/);
    expect(() => synth({ openApi: { document: fixture('sync-external-ref.yaml') } })).toThrow(/only local references/);
  });

  it('turns warnings into CDK warnings', () => {
    const { stack } = synth({ openApi: { document: fixture('two-authorizers.yaml'), scheme: 'first' } });
    Annotations.fromStack(stack).hasWarning('/TestStack/Auth', Match.stringLikeRegexp('other-scheme-only.*GET /b'));
  });

  it('needs exactly one of routes and openApi', () => {
    expect(() => synth({})).toThrow(/JwtAuthorizer: give exactly one of routes and openApi/);
    expect(() => synth({ routes: [{ route: 'GET /a', scopes: [] }], openApi: { document: DEMO_OPENAPI_DOCUMENT } })).toThrow(/exactly one of routes and openApi/);
  });

  it('accepts the demo API document as it is', () => {
    const { auth } = synth({ openApi: { document: DEMO_OPENAPI_DOCUMENT } });
    expect(auth.routes).toContainEqual({ route: 'ANY /admin/{proxy+}', scopes: ['admin'] });
  });
});
