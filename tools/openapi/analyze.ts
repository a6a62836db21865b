/**
 * One analysis of a loaded document: the scheme, the generated table and every finding, sorted.
 * The CLI, the CDK construct and the local stack all go through here.
 */
import type { LoadedDocument } from './document.js';
import type { Finding } from './findings.js';
import { lintOperation } from './lint-security.js';
import { lintRoutes } from './lint-routes.js';
import { lintTable, type TableInput } from './lint-table.js';
import { chooseScheme, listOperations, securitySchemes } from './operations.js';
import { operationRoutes, routeTable, type RouteEntry } from './routes.js';

/** Options of {@link analyzeOpenApi}. */
export interface AnalyzeOptions {
  /** The authorizer's scheme. @default - the one scheme with x-amazon-apigateway-authorizer */
  readonly scheme?: string;
  /** A hand-written table to compare with the document. */
  readonly table?: TableInput;
}

/** What a document says and what is wrong with it. */
export interface Analysis {
  readonly file: string;
  readonly scheme: string;
  /** ROUTE_PERMISSIONS: one entry per protected operation, stable order. */
  readonly routes: readonly RouteEntry[];
  /** Findings, errors first, then in document order. */
  readonly findings: readonly Finding[];
  /** Warnings an operation ignores with x-authorizer-lint-ignore. */
  readonly suppressed: readonly Finding[];
}

/** Analyses a loaded document; throws `OpenApiError` when it cannot be analysed at all. */
export function analyzeOpenApi(loaded: LoadedDocument, options: AnalyzeOptions = {}): Analysis {
  const scheme = chooseScheme(loaded, options.scheme);
  const schemes = securitySchemes(loaded);
  const operations = listOperations(loaded);
  const routes = operationRoutes(operations, scheme);
  const all = [
    ...routes.flatMap((r) => lintOperation(r, loaded.file, scheme, schemes)),
    ...lintRoutes(routes, loaded.file),
    ...(options.table ? lintTable(routes, loaded.file, options.table) : []),
  ];
  const ignoredBy = new Map(operations.map((op) => [op.pointer, new Set(op.ignore)]));
  // Only warnings can be ignored: an error stays an error whatever the document says about it.
  const isSuppressed = (f: Finding) => f.severity === 'warning' && f.file === loaded.file && (ignoredBy.get(f.pointer)?.has(f.rule) ?? false);
  const line = (f: Finding) => (f.file === loaded.file ? loaded.locate(f.pointer)?.line : undefined) ?? Number.MAX_SAFE_INTEGER;
  const findings = all
    .filter((f) => !isSuppressed(f))
    .sort((a, b) => rank(a) - rank(b) || line(a) - line(b) || a.pointer.localeCompare(b.pointer) || a.rule.localeCompare(b.rule));
  return { file: loaded.file, scheme, routes: routeTable(routes), findings, suppressed: all.filter(isSuppressed) };
}

const rank = (f: Finding) => (f.severity === 'error' ? 0 : 1);

/** Whether any finding is an error. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

