import { describe, expect, it } from 'vitest';
import { DecisionLog } from '../../functions/authorizer/decision-log.js';

function capture(options: ConstructorParameters<typeof DecisionLog>[0] = {}) {
  const lines: string[] = [];
  const log = new DecisionLog({ ...options, write: (line) => void lines.push(line) });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('DecisionLog', () => {
  it('writes one JSON line that is also an EMF document', () => {
    const { log, lines, parsed } = capture({ serviceName: 'svc', namespace: 'Ns' });
    log.record({ outcome: 'forbidden', reason: 'SCOPE_MISSING', stage: 'dev', route: 'GET /a', kid: 'k"1', sub: 'u\n1' }, 'req-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('}\n')).toBe(true);
    expect(lines[0]!.slice(0, -1)).not.toContain('\n');
    const line = parsed()[0]!;
    expect(line).toMatchObject({
      level: 'INFO', message: 'authorizer decision', service: 'svc', outcome: 'forbidden', reason: 'SCOPE_MISSING',
      stage: 'dev', route: 'GET /a', kid: 'k"1', sub: 'u\n1', function_request_id: 'req-1', cold_start: true, Decision: 1,
    });
    expect(line['_aws']).toEqual({
      Timestamp: expect.any(Number),
      CloudWatchMetrics: [{ Namespace: 'Ns', Dimensions: [['service', 'outcome', 'reason']], Metrics: [{ Name: 'Decision', Unit: 'Count' }] }],
    });
  });

  it('marks only the first line as a cold start', () => {
    const { log, parsed } = capture();
    log.record({ outcome: 'allow', reason: 'OK' }, undefined);
    log.record({ outcome: 'allow', reason: 'OK' }, undefined);
    expect(parsed().map((l) => l['cold_start'])).toEqual([true, false]);
  });

  it('logs outages at ERROR and keeps metrics when INFO lines are filtered out', () => {
    const { log, parsed } = capture({ level: 'ERROR' });
    log.record({ outcome: 'allow', reason: 'OK' }, undefined);
    log.record({ outcome: 'internal', reason: 'JWKS_UNAVAILABLE' }, undefined);
    const [metricsOnly, error] = parsed();
    expect(metricsOnly).not.toHaveProperty('message');
    expect(metricsOnly).toMatchObject({ outcome: 'allow', reason: 'OK', Decision: 1 });
    expect(error).toMatchObject({ level: 'ERROR', reason: 'JWKS_UNAVAILABLE' });
  });

  it('writes nothing for filtered lines when metrics are off', () => {
    const { log, lines } = capture({ level: 'ERROR', metrics: false });
    log.record({ outcome: 'allow', reason: 'OK' }, undefined);
    expect(lines).toEqual([]);
    log.record({ outcome: 'internal', reason: 'INTERNAL' }, undefined);
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('_aws');
  });

  it('formats timestamps like toISOString', () => {
    const { log } = capture();
    for (const t of [0, 1_800_000_000_000, 1_800_000_000_007, 1_800_000_000_042, 1_800_000_000_999, 1_800_000_001_000]) {
      expect(log.timestamp(t)).toBe(new Date(t).toISOString());
    }
  });
});
