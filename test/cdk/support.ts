/**
 * Shared setup of the CDK tests: apps get the same feature flags as `cdk synth` (the context of
 * cdk.json), and helpers read the synthesized template without pinning logical ids.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AuthorizerStack, stackNameOf } from '../../cdk/authorizer-stack.js';
import { stageSettings, type StageName } from '../../cdk/stages.js';

export const REPO_ROOT = new URL('../../', import.meta.url);

/** The `context` block of cdk.json: the feature flags every CLI synth uses. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('cdk.json', REPO_ROOT), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

const outdirs: string[] = [];

/** Deletes the cloud assemblies of every app made by `newApp` in this test file (call from `afterAll`). */
export function removeOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A new App with cdk.json's feature flags, writing its cloud assembly to a fresh temp directory.
 * @param bundle false skips asset bundling (faster; the template is the same apart from asset hashes)
 * @param cfnValidation true runs CDK's built-in CloudFormation template validation, as `cdk synth` does
 *   (a WebAssembly rule engine that costs seconds per process, so only the nag test turns it on)
 */
export function newApp(bundle = true, cfnValidation = false): App {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  outdirs.push(outdir);
  return new App({
    outdir,
    context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    builtinCloudFormationValidation: cfnValidation,
  });
}

/** Synthesizes one stage's stack as `cdk synth -c stage=<stage>` would. */
export function synthStage(stage: StageName, bundle = true): { app: App; stack: AuthorizerStack; template: Template } {
  const app = newApp(bundle);
  const stack = new AuthorizerStack(app, stackNameOf(stage), { settings: stageSettings(stage) });
  return { app, stack, template: Template.fromStack(stack) };
}

/** A bare stack for construct-level tests (no bundling). */
export function bareStack(): Stack {
  return new Stack(newApp(false), 'TestStack');
}

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** Every resource of a type, as `[logicalId, resource]`. */
export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type) as Record<string, Resource>);
}

/** The only resource of a type; fails when there is not exactly one. */
export function onlyResource(template: Template, type: string): [string, Resource] {
  const all = resourcesOf(template, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0]!;
}

/** The authorizer function: the Lambda function whose environment has JWT_ISSUER or TRUSTED_ISSUERS. */
export function authorizerFunction(template: Template): [string, Resource] {
  const fns = resourcesOf(template, 'AWS::Lambda::Function').filter(([, r]) => {
    const env = (r.Properties?.['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    return env !== undefined && ('JWT_ISSUER' in env || 'TRUSTED_ISSUERS' in env);
  });
  if (fns.length !== 1) throw new Error(`expected one authorizer function, found ${fns.length}`);
  return fns[0]!;
}

/** IAM statements of every AWS::IAM::Policy attached to a role, plus the role's inline policies. */
export function statementsOfRole(template: Template, roleLogicalId: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [, policy] of resourcesOf(template, 'AWS::IAM::Policy')) {
    const roles = (policy.Properties?.['Roles'] as unknown[] | undefined) ?? [];
    if (!roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }))) continue;
    const doc = policy.Properties?.['PolicyDocument'] as { Statement: Record<string, unknown>[] };
    out.push(...doc.Statement);
  }
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId] as Resource | undefined;
  for (const inline of (role?.Properties?.['Policies'] as { PolicyDocument: { Statement: Record<string, unknown>[] } }[] | undefined) ?? []) {
    out.push(...inline.PolicyDocument.Statement);
  }
  return out;
}

/** A statement's actions as an array. */
export function actionsOf(statement: Record<string, unknown>): string[] {
  const a = statement['Action'];
  return Array.isArray(a) ? (a as string[]) : [a as string];
}

/** The logical id a `{ "Fn::GetAtt": [id, attr] }` or `{ Ref: id }` points at. */
export function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v['Ref'] === 'string') return v['Ref'];
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
}
