/**
 * The local token issuer's public face: its JWKS at `/.well-known/jwks.json` and an OpenID discovery
 * document at `/.well-known/openid-configuration`, over http on 127.0.0.1. Tokens are minted by
 * `npm run token` (and `npm start`'s example), not over HTTP.
 */
import { createServer } from 'node:http';
import { closeServer, listen, type Running } from './listen.js';
import { HOST, SECOND_ISSUER } from './settings.js';
import type { SigningKey } from './signing-key.js';

/** One local issuer: its `iss` and JWKS URL. */
export interface IssuerUrls {
  readonly issuer: string;
  readonly jwksUri: string;
}

export interface Issuer extends Running, IssuerUrls {
  /** The `iss` of every local token: `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The second issuer on the same server: `<issuer>/second`, with its own key. */
  readonly second: IssuerUrls;
}

function discovery(issuer: string, key: SigningKey): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    id_token_signing_alg_values_supported: [key.alg],
    token_endpoint_auth_signing_alg_values_supported: [key.alg],
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    grant_types_supported: [],
    scopes_supported: [],
  };
}

export async function startIssuer(key: SigningKey, port: number, secondKey: SigningKey): Promise<Issuer> {
  let issuer = '';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    let body: unknown;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end('{"error":"method not allowed"}');
      return;
    }
    const second = `${issuer}${SECOND_ISSUER.path}`;
    if (path === '/.well-known/jwks.json') body = { keys: [key.publicJwk] };
    else if (path === '/.well-known/openid-configuration') body = discovery(issuer, key);
    else if (path === `${SECOND_ISSUER.path}/.well-known/jwks.json`) body = { keys: [secondKey.publicJwk] };
    else if (path === `${SECOND_ISSUER.path}/.well-known/openid-configuration`) body = discovery(second, secondKey);
    else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify(body));
  });
  const real = await listen(server, port, 'issuer (--issuer-port)');
  issuer = `http://${HOST}:${real}`;
  const second = `${issuer}${SECOND_ISSUER.path}`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    second: { issuer: second, jwksUri: `${second}/.well-known/jwks.json` },
    url: issuer,
    port: real,
    close: () => closeServer(server),
  };
}
