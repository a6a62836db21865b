/**
 * The route table (ROUTE_PERMISSIONS) of the local stack: the CDK app's demo table, so the local API
 * and the deployed demo API authorize the same routes with the same scopes.
 */
export { DEMO_ROUTES as LOCAL_ROUTES, type RoutePermission } from '../cdk/routes.js';
