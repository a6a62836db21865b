/**
 * `--check --format sarif`: SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards)
 * shows on a pull request. Each finding is a result at its file and line, with its JSON pointer as the
 * logical location.
 */
import { relative, sep } from 'node:path';
import type { Analysis } from './analyze.js';
import { RULES, type FindingLocation, type RuleId } from './findings.js';
import type { Locate } from './format-text.js';

/** The tool's name in SARIF output. */
export const SARIF_TOOL_NAME = 'apigw-jwt-authorizer-openapi';

/** A file path as a URI relative to the working directory (the repository root in CI). */
function uriOf(file: string): string {
  const rel = relative(process.cwd(), file);
  return (rel.startsWith('..') ? file : rel).split(sep).join('/');
}

function location(at: FindingLocation, locate: Locate) {
  const pos = locate(at.file, at.pointer);
  return {
    physicalLocation: {
      artifactLocation: { uri: uriOf(at.file) },
      region: pos ? { startLine: pos.line, startColumn: pos.column } : { startLine: 1 },
    },
    logicalLocations: [{ fullyQualifiedName: at.pointer, ...(at.operation ? { name: at.operation } : {}), kind: 'object' }],
  };
}

/** The analysis as a SARIF 2.1.0 log (an object; serialize with JSON.stringify). */
export function toSarif(analysis: Analysis, locate: Locate, version: string): Record<string, unknown> {
  const ids = Object.keys(RULES) as RuleId[];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: SARIF_TOOL_NAME,
            version,
            rules: ids.map((id) => ({
              id,
              name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: RULES[id].title },
              fullDescription: { text: RULES[id].help },
              help: { text: RULES[id].help },
              defaultConfiguration: { level: RULES[id].severity },
              properties: { tags: ['security'] },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: analysis.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ids.indexOf(f.rule),
          level: f.severity,
          message: { text: `${f.operation ? `${f.operation}: ` : ''}${f.message} Fix: ${f.fix}` },
          locations: [location(f, locate)],
          ...(f.related ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...location(r, locate), message: { text: r.operation ?? r.pointer } })) } : {}),
        })),
      },
    ],
  };
}
