/**
 * CORS for the demo APIs. A browser sends its preflight `OPTIONS` without the `Authorization` header, so
 * a preflight that reached the authorizer would always be refused (401) and the real request never sent.
 * REST APIs get OPTIONS methods with no authorizer (CDK's `defaultCorsPreflightOptions`); HTTP APIs answer
 * preflights themselves once `corsPreflight` is set. The authorizer's own 401/403 answers get the CORS
 * headers too (gateway responses), so the browser can show them instead of a CORS error.
 */
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { StageSettings } from './stages.js';

type Cors = NonNullable<StageSettings['cors']>;

/** Headers a browser client of a JWT-protected API sends. */
const DEFAULT_HEADERS = ['Authorization', 'Content-Type'];

export function restCors(cors: Cors): apigw.CorsOptions {
  return {
    allowOrigins: [...cors.allowOrigins],
    allowHeaders: [...(cors.allowHeaders ?? DEFAULT_HEADERS)],
    allowMethods: cors.allowMethods ? [...cors.allowMethods] : apigw.Cors.ALL_METHODS,
  };
}

export function httpCors(cors: Cors): apigwv2.CorsPreflightOptions {
  return {
    allowOrigins: [...cors.allowOrigins],
    allowHeaders: [...(cors.allowHeaders ?? DEFAULT_HEADERS)],
    allowMethods: (cors.allowMethods ?? ['ANY']).map((m) => m.toUpperCase() as apigwv2.CorsHttpMethod),
  };
}

/**
 * CORS headers on API Gateway's own 4XX/5XX answers (the authorizer's 401 and 403 among them). A gateway
 * response has one fixed header value, so this is only possible for a single origin (or `*`); with several
 * origins the browser sees a CORS error for those answers (the status is still enforced).
 */
export function addCorsGatewayResponses(api: apigw.RestApi, origins: readonly string[]): void {
  if (origins.length !== 1) return;
  const responseHeaders = { 'Access-Control-Allow-Origin': `'${origins[0]}'`, Vary: "'Origin'" };
  api.addGatewayResponse('Default4xxCors', { type: apigw.ResponseType.DEFAULT_4XX, responseHeaders });
  api.addGatewayResponse('Default5xxCors', { type: apigw.ResponseType.DEFAULT_5XX, responseHeaders });
}
