/**
 * A route table from an OpenAPI document, read at synth (design §11).
 *
 * CDK constructors are synchronous and Swagger Parser is not, so the document is read with the
 * synchronous loader (`yaml` and local `$ref`s only) and analysed by the same code as
 * `npm run routes`. Findings of severity error fail the synth with every one of them listed; schema
 * validation of the whole document is left to `npm run routes -- --check` in CI.
 */
import { analyzeOpenApi } from '../tools/openapi/analyze.js';
import { OpenApiError } from '../tools/openapi/document.js';
import type { Finding } from '../tools/openapi/findings.js';
import type { LoadedDocument } from '../tools/openapi/document.js';
import { loadOpenApiSync } from '../tools/openapi/load-sync.js';
import type { RoutePermission } from './routes.js';

/** Where a construct takes its route table from instead of a hand-written list. */
export interface OpenApiRouteSource {
  /** Path of the OpenAPI 3.0/3.1 document (YAML or JSON; `$ref`s local to the file). */
  readonly document: string;
  /**
   * The authorizer's security scheme.
   * @default - the one scheme with `x-amazon-apigateway-authorizer`
   */
  readonly scheme?: string;
}

/** The table and the warnings (one line each) of a document without errors. */
export interface OpenApiRoutes {
  readonly routes: readonly RoutePermission[];
  readonly warnings: readonly string[];
}

function describe(f: Finding, loaded: LoadedDocument): string {
  const line = f.file === loaded.file ? loaded.locate(f.pointer)?.line : undefined;
  return `${f.severity} ${f.rule}: ${f.operation ?? ''} (${f.file}${line ? `:${line}` : ''} ${f.pointer}) ${f.message} Fix: ${f.fix}`;
}

/** Reads and checks the document; throws an Error listing every error finding. */
export function openApiRoutes(source: OpenApiRouteSource): OpenApiRoutes {
  let loaded: LoadedDocument;
  let analysis;
  try {
    loaded = loadOpenApiSync(source.document);
    analysis = analyzeOpenApi(loaded, { scheme: source.scheme });
  } catch (err) {
    if (err instanceof OpenApiError) throw new Error(`openApi: ${err.message}`);
    throw err;
  }
  const errors = analysis.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    throw new Error(
      `openApi: ${source.document} has ${errors.length} security error${errors.length === 1 ? '' : 's'} ` +
        `(npm run routes -- --check ${source.document} shows them too):\n${errors.map((f) => `  - ${describe(f, loaded)}`).join('\n')}`,
    );
  }
  if (analysis.routes.length === 0) throw new Error(`openApi: ${source.document} has no operation protected by scheme "${analysis.scheme}"`);
  return {
    routes: analysis.routes.map((r) => ({ route: r.route, scopes: [...r.scopes] })),
    warnings: analysis.findings.map((f) => describe(f, loaded)),
  };
}
