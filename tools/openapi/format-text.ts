/** `--check --format text`: findings for a terminal, one block each, errors first. */
import type { Analysis } from './analyze.js';
import type { Position } from './document.js';
import type { FindingLocation } from './findings.js';

/** Locates a pointer in one of the analysed files. */
export type Locate = (file: string, pointer: string) => Position | undefined;

function place(at: FindingLocation, locate: Locate): string {
  const pos = locate(at.file, at.pointer);
  return pos ? `${at.file}:${pos.line}:${pos.column}` : at.file;
}

/** The findings report as text. */
export function formatText(analysis: Analysis, locate: Locate): string {
  const lines: string[] = [`${analysis.file}: scheme "${analysis.scheme}", ${analysis.routes.length} protected route${analysis.routes.length === 1 ? '' : 's'}`];
  for (const f of analysis.findings) {
    lines.push('', `${place(f, locate)}  ${f.severity.padEnd(7)}  ${f.rule}  ${f.operation ?? ''}`.trimEnd());
    lines.push(`  ${f.message}`, `  pointer: ${f.pointer}`, `  fix: ${f.fix}`);
    for (const r of f.related ?? []) lines.push(`  see also: ${[r.operation, place(r, locate), r.pointer].filter(Boolean).join(' ')}`);
  }
  const errors = analysis.findings.filter((f) => f.severity === 'error').length;
  const warnings = analysis.findings.length - errors;
  const ignored = analysis.suppressed.length ? `, ${analysis.suppressed.length} ignored (x-authorizer-lint-ignore)` : '';
  lines.push('', `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${ignored}`);
  return `${lines.join('\n')}\n`;
}
