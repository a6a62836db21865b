/**
 * Findings between operations: templates that overlap with no clear winner under design §2.1, and
 * writes that need no more than a read on the same path.
 */
import { parseRouteKey, shapeOf, type Segment } from '../../lib/routes.js';
import { finding, type Finding } from './findings.js';
import type { OperationRoute } from './routes.js';

const RANK = { literal: 2, param: 1, proxy: 0 } as const;

/** The segment governing position `i`: a trailing `{proxy+}` covers every position from its own on. */
function segmentAt(t: readonly Segment[], i: number): Segment | undefined {
  if (i < t.length) return t[i];
  const last = t[t.length - 1];
  return last?.kind === 'proxy' ? last : undefined;
}

/** Whether some concrete path matches both templates. */
export function canOverlap(a: readonly Segment[], b: readonly Segment[]): boolean {
  if (a.length !== b.length) {
    // A `{proxy+}` needs at least one segment of its own, so only the shorter template's proxy can stretch.
    const shorter = a.length < b.length ? a : b;
    if (shorter[shorter.length - 1]?.kind !== 'proxy') return false;
  }
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const sa = segmentAt(a, i);
    const sb = segmentAt(b, i);
    if (!sa || !sb) return false;
    if (sa.kind === 'literal' && sb.kind === 'literal' && sa.value !== sb.value) return false;
  }
  return true;
}

/** Whether `a` is at least as specific as `b` in every segment. */
function atLeastAsSpecific(a: readonly Segment[], b: readonly Segment[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (RANK[segmentAt(a, i)!.kind] < RANK[segmentAt(b, i)!.kind]) return false;
  }
  return true;
}

interface Parsed {
  readonly r: OperationRoute;
  readonly scopes: readonly string[];
  readonly method: string;
  readonly segments: readonly Segment[];
  readonly shape: string;
}

/** The findings between the protected operations' routes. */
export function lintRoutes(routes: readonly OperationRoute[], file: string): Finding[] {
  const parsed: Parsed[] = routes
    .filter((r) => r.protection.kind === 'ours' && r.route !== undefined)
    .map((r) => {
      const { method, segments } = parseRouteKey(r.route!);
      const scopes = r.protection.kind === 'ours' ? r.protection.scopes : [];
      return { r, scopes, method, segments, shape: shapeOf('', segments) };
    });
  const where = (p: Parsed) => ({ file, pointer: p.r.operation.pointer, operation: p.r.operation.label });
  const out: Finding[] = [];

  for (let j = 0; j < parsed.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = parsed[i]!;
      const b = parsed[j]!;
      if (a.method !== b.method && a.method !== 'ANY' && b.method !== 'ANY') continue;
      if (!canOverlap(a.segments, b.segments)) continue;
      const ab = atLeastAsSpecific(a.segments, b.segments);
      const ba = atLeastAsSpecific(b.segments, a.segments);
      const pair = `${a.r.operation.label} and ${b.r.operation.label}`;
      if (ab && ba && a.method === b.method) {
        out.push(finding('route-conflict', where(b), `${pair} have the same shape: one route, two declarations (the generated entry requires the scopes of both).`, 'Keep one path template per route; parameter names do not make routes different.', { related: [where(a)] }));
      } else if (!ab && !ba) {
        out.push(finding('route-conflict', where(b), `${pair} can match the same request and neither is more specific in every segment.`, 'Rename a literal segment or restructure the paths so that one template is more specific than the other in every segment.', { related: [where(a)] }));
      }
    }
  }

  const READS = ['GET', 'HEAD'];
  const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];
  for (const w of parsed.filter((p) => WRITES.includes(p.method))) {
    const read = parsed.find((p) => READS.includes(p.method) && p.shape === w.shape && p.scopes.length > 0 && w.scopes.every((s) => p.scopes.includes(s)));
    if (read) {
      out.push(finding('write-weaker-than-read', where(w), `${w.r.operation.label} needs only ${w.scopes.join(' ') || 'no scope'}, no more than ${read.r.operation.label} needs: every reader can write.`, 'Require a scope for writing (e.g. <resource>:write) that readers do not hold.', { related: [where(read)] }));
    }
  }
  return out;
}
