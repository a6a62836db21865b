/**
 * The demo route table: which scopes each route of the demo API requires (design §2.1).
 *
 * It is generated from the demo API's OpenAPI document, `examples/orders-api.yaml` (design §11), and
 * is both the authorizer's ROUTE_PERMISSIONS value and the list the demo stack creates its REST and
 * HTTP API routes from, so the document, the API and the authorizer's table cannot drift apart.
 * Every route is protected: an entry with no scopes still needs a valid token for the stage.
 */
import { fileURLToPath } from 'node:url';
import { openApiRoutes } from './openapi-routes.js';

/** One route table entry: `METHOD /path` (or `$connect`) and every scope it requires. */
export interface RoutePermission {
  /** `GET /orders/{id}`, `ANY /admin/{proxy+}`, or `$connect` for a WebSocket API. */
  readonly route: string;
  /** All of these scopes are required; empty means "any valid token". */
  readonly scopes: readonly string[];
}

/** The WebSocket connect route key. */
export const WEBSOCKET_CONNECT_ROUTE = '$connect';

/** The demo API's OpenAPI document. */
export const DEMO_OPENAPI_DOCUMENT = fileURLToPath(new URL('../examples/orders-api.yaml', import.meta.url));

/** The demo API's routes: those of its OpenAPI document, plus the WebSocket `$connect` route. */
export const DEMO_ROUTES: readonly RoutePermission[] = Object.freeze([
  ...openApiRoutes({ document: DEMO_OPENAPI_DOCUMENT }).routes,
  // OpenAPI cannot describe a WebSocket API, and the demo stack has none; this entry lets
  // events/websocket-connect-*.json be authorized and shows the shape a WebSocket API's authorizer needs.
  { route: WEBSOCKET_CONNECT_ROUTE, scopes: ['orders:read'] },
]);

/** An HTTP route split into method and path. */
export interface HttpRoute {
  /** `ANY` or an HTTP method in capitals. */
  readonly method: string;
  /** `/orders/{id}`, `/admin/{proxy+}`, `/`. */
  readonly path: string;
}

/** The HTTP routes of a table (everything except `$connect`), split into method and path. */
export function httpRoutes(routes: readonly RoutePermission[]): HttpRoute[] {
  return routes
    .filter((r) => r.route !== WEBSOCKET_CONNECT_ROUTE)
    .map((r) => {
      const space = r.route.indexOf(' ');
      if (space < 0) throw new Error(`route "${r.route}" is not "METHOD /path"`);
      return { method: r.route.slice(0, space), path: r.route.slice(space + 1) };
    });
}
