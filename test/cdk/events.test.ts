/**
 * events/: the sample events and the `sam local invoke --env-vars` file stay in step with the
 * synthesized dev template, the ENV contract and the demo route table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lib/env-names.js';
import { parseConfig } from '../../lib/config.js';
import { eventKind, extractRequest } from '../../lib/extract-request.js';
import { buildRouteTable } from '../../lib/routes.js';
import { DEMO_ROUTES } from '../../cdk/routes.js';
import { STAGE_NAMES } from '../../cdk/stages.js';
import { REPO_ROOT, synthStage, removeOutdirs } from './support.js';

afterAll(removeOutdirs);

const EVENTS_DIR = new URL('events/', REPO_ROOT);
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, EVENTS_DIR), 'utf8'));

/** Variables env.json deliberately sets differently from the dev template (see events/README.md). */
const LOCAL_OVERRIDES = new Set<string>([ENV.issuer, ENV.jwksUri, ENV.audienceByStage, ENV.replayProtection, ENV.replayTableName]);
const ALLOWED_NAMES = new Set<string>([
  ...Object.values(ENV),
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
]);

let template: Template;
beforeAll(() => {
  template = synthStage('dev', false).template;
});

describe('events/env.json', () => {
  const envFile = readJson('env.json') as Record<string, Record<string, string>>;
  const ids = Object.keys(envFile);

  it('names the authorizer function by its logical id in the synthesized dev template', () => {
    expect(ids).toHaveLength(1);
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toContain(ids[0]);
    expect(fns[ids[0]!]!['Type']).toBe('AWS::Lambda::Function');
  });

  it('uses only ENV names (and the POWERTOOLS_* log settings), all declared in the template', () => {
    const vars = envFile[ids[0]!]!;
    const declared = Object.keys(template.findResources('AWS::Lambda::Function')[ids[0]!]!['Properties'].Environment.Variables);
    for (const name of Object.keys(vars)) {
      expect(ALLOWED_NAMES.has(name), name).toBe(true);
      // sam local invoke only overrides variables the template declares.
      expect(declared, name).toContain(name);
    }
  });

  it('matches the template except for the documented local overrides', () => {
    const vars = envFile[ids[0]!]!;
    const templateVars = template.findResources('AWS::Lambda::Function')[ids[0]!]!['Properties'].Environment.Variables as Record<string, unknown>;
    for (const [name, value] of Object.entries(vars)) {
      if (LOCAL_OVERRIDES.has(name)) continue;
      expect(value, name).toBe(templateVars[name]);
    }
  });

  it('is a configuration the function accepts', () => {
    const config = parseConfig(envFile[ids[0]!]!);
    for (const stage of STAGE_NAMES) expect(config.stages.has(stage), stage).toBe(true);
  });
});

describe('sample events', () => {
  const files = readdirSync(EVENTS_DIR).filter((f) => f.endsWith('.json') && f !== 'env.json');
  const routes = buildRouteTable(DEMO_ROUTES);
  const KIND_OF_PREFIX: Record<string, string> = {
    'rest-token': 'rest-token',
    'rest-request': 'rest-request',
    'http-api': 'http-api',
    'websocket-connect': 'websocket',
  };

  it('cover every event type for every stage', () => {
    const expected = Object.keys(KIND_OF_PREFIX).flatMap((p) => STAGE_NAMES.map((s) => `${p}-${s}.json`));
    expect(files.sort()).toEqual(expected.sort());
  });

  it.each(files)('%s is a well-formed event for its stage and a demo route', (file) => {
    const m = /^(rest-token|rest-request|http-api|websocket-connect)-(\w+)\.json$/.exec(file)!;
    const [, prefix, stage] = m;
    const event = readJson(file) as Record<string, unknown>;
    expect(eventKind(event)).toBe(KIND_OF_PREFIX[prefix!]);
    const request = extractRequest(event);
    expect(request.arn.stage).toBe(stage);
    expect(request.stageConsistent).toBe(true);
    if (prefix !== 'rest-token') expect((event['requestContext'] as Record<string, unknown>)['stage']).toBe(stage);
    expect(routes.match(request.arn.method, request.arn.path), `${request.arn.method} ${request.arn.path}`).toBeDefined();
    expect(JSON.stringify(event)).toContain('Bearer REPLACE_WITH_TOKEN');
  });
});
