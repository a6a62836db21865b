/**
 * `npm start -- --openapi <file>`: the local gateway's route table generated from an OpenAPI document
 * (design §11), with the same checks as `npm run routes -- --check` (Swagger Parser validation, `$ref`s
 * resolved). A document with error findings is refused, as the CDK construct refuses it at synth.
 */
import { analyzeOpenApi } from '../tools/openapi/analyze.js';
import { OpenApiError } from '../tools/openapi/document.js';
import { loadOpenApi } from '../tools/openapi/load.js';
import { LocalError } from './errors.js';
import type { RoutePermission } from './routes.js';

/** The table of `file` and one line per warning; throws `LocalError` listing every error finding. */
export async function localRoutesFromOpenApi(file: string): Promise<{ routes: RoutePermission[]; warnings: string[] }> {
  try {
    const loaded = await loadOpenApi(file);
    const analysis = analyzeOpenApi(loaded);
    const line = (f: (typeof analysis.findings)[number]) => `${f.severity} ${f.rule} ${f.operation ?? ''} ${f.pointer}: ${f.message}`;
    const errors = analysis.findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      throw new LocalError(`${file} has ${errors.length} security error(s) (see npm run routes -- --check ${file}):\n${errors.map((f) => `  ${line(f)}`).join('\n')}`);
    }
    if (analysis.routes.length === 0) throw new LocalError(`${file} has no operation protected by scheme "${analysis.scheme}"`);
    return { routes: analysis.routes.map((r) => ({ route: r.route, scopes: [...r.scopes] })), warnings: analysis.findings.map(line) };
  } catch (err) {
    if (err instanceof OpenApiError) throw new LocalError(err.message);
    throw err;
  }
}
