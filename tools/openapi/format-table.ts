/** ROUTE_PERMISSIONS as text: a JSON array, one entry per line, so diffs show one route per changed line. */
import type { RouteEntry } from './routes.js';

/** The table as pretty, valid JSON ending with a newline. */
export function formatTable(routes: readonly RouteEntry[]): string {
  if (routes.length === 0) return '[]\n';
  return `[\n${routes.map((r) => `  ${JSON.stringify({ route: r.route, scopes: [...r.scopes] })}`).join(',\n')}\n]\n`;
}
