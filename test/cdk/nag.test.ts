/**
 * cdk-nag 3 (AwsSolutions and Serverless packs) through CDK's `Validations` API, as `cdk synth` runs
 * them: zero unacknowledged findings, every acknowledgement with a real reason and still needed.
 */
import { afterAll, describe, it, expect, vi } from 'vitest';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, NagPack, ServerlessChecks } from 'cdk-nag';
import { AuthorizerStack, stackNameOf } from '../../cdk/authorizer-stack.js';
import { STAGE_NAMES, stageSettings } from '../../cdk/stages.js';
import { newApp, removeOutdirs } from './support.js';

afterAll(removeOutdirs);

interface Finding {
  rule: string;
  severity: string | undefined;
  paths: string[];
}

function findings(pack: NagPack, scope: IConstruct): Finding[] {
  return pack.validateScope(scope).violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity,
    paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? '?'),
  }));
}

/** Every acknowledgement recorded in a construct tree: rule id → reasons. */
function acknowledgements(root: IConstruct): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, string>)) {
        const id = qualifiedId.replace(/^annotation::/i, '');
        out.set(id, [...(out.get(id) ?? []), reason]);
      }
    }
  }
  return out;
}

function nagApp(stage: (typeof STAGE_NAMES)[number]) {
  // The dev app also runs CDK's built-in CloudFormation validation, exactly like `cdk synth`.
  const app = newApp(false, stage === 'dev');
  const stack = new AuthorizerStack(app, stackNameOf(stage), { settings: stageSettings(stage) });
  const packs = [new AwsSolutionsChecks(app), new ServerlessChecks(app)];
  Validations.of(app).addPlugins(...packs);
  return { app, stack, packs };
}

describe.each(STAGE_NAMES)('cdk-nag on the %s stack', (stage) => {
  const { app, stack, packs } = nagApp(stage);

  it('synthesizes with both packs registered through Validations (no unacknowledged finding)', () => {
    expect(() => app.synth()).not.toThrow();
    for (const pack of packs) expect(findings(pack, stack), pack.name).toEqual([]);
  });

  it('gives every acknowledgement a specific reason, and each is still needed', () => {
    const acks = acknowledgements(stack);
    expect(acks.size).toBeGreaterThan(0);
    for (const [id, reasons] of acks) {
      for (const reason of reasons) expect(reason.length, `${id}: ${reason}`).toBeGreaterThan(60);
    }
    // With acknowledgements ignored, every acknowledged id must show up as a finding: none is stale.
    const spy = vi.spyOn(NagPack.prototype as unknown as { isAcknowledged: () => boolean }, 'isAcknowledged').mockReturnValue(false);
    let raw: Finding[];
    try {
      raw = packs.flatMap((pack) => findings(pack, stack));
    } finally {
      spy.mockRestore();
    }
    const ruleIds = new Set(raw.map((f) => f.rule));
    for (const id of acks.keys()) expect(ruleIds.has(id), `stale acknowledgement ${id}`).toBe(true);
  });
});

describe('cdk-nag wiring', () => {
  it('fails synth on an unacknowledged finding', () => {
    const app = newApp(false);
    const stack = new Stack(app, 'Bad');
    new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
      timeout: Duration.seconds(3),
    });
    Validations.of(app).addPlugins(new ServerlessChecks(app));
    expect(() => app.synth()).toThrow(/Serverless-LambdaDefaultMemorySize|Serverless-LambdaLatestVersion/);
  });
});
