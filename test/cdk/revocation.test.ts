/**
 * The construct with `revocation: true` (design §10): REVOCATION=on, the table even with replay off,
 * and exactly the extra DynamoDB actions on that one table.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { JwtAuthorizer, type JwtAuthorizerProps } from '../../cdk/jwt-authorizer.js';
import { DEMO_ROUTES } from '../../cdk/routes.js';
import { actionsOf, authorizerFunction, bareStack, referencedId, removeOutdirs, resourcesOf, statementsOfRole } from './support.js';

afterAll(removeOutdirs);

function synth(overrides: Partial<JwtAuthorizerProps>) {
  const stack = bareStack();
  const auth = new JwtAuthorizer(stack, 'Auth', { issuer: 'https://issuer.example.com', audienceByStage: { dev: 'api-dev' }, routes: DEMO_ROUTES, ...overrides });
  const template = Template.fromStack(stack);
  const [, fn] = authorizerFunction(template);
  const env = (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
  const roleId = referencedId(fn.Properties!['Role'])!;
  const statements = statementsOfRole(template, roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
  const tables = resourcesOf(template, 'AWS::DynamoDB::Table');
  return { stack, auth, template, env, statements, tables };
}

/** Every DynamoDB action granted, and the resources each statement names. */
function grants(statements: Record<string, unknown>[]) {
  return { actions: statements.flatMap(actionsOf).sort(), resources: statements.map((s) => s['Resource']) };
}

describe('JwtAuthorizer with revocation', () => {
  it('single-use + revocation: PutItem and ConditionCheckItem (one TransactWriteItems), on the table only', () => {
    const { env, statements, tables, template } = synth({ revocation: true });
    expect(env['REVOCATION']).toBe('on');
    expect(tables).toHaveLength(1);
    const [tableId] = tables[0]!;
    expect(grants(statements).actions).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
    for (const s of statements) expect(s['Resource']).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    expect(referencedId(env['REPLAY_TABLE_NAME'])).toBe(tableId);
    template.hasResourceProperties('AWS::DynamoDB::Table', Match.objectLike({ TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
  });

  it('replay off + revocation: the table is created, and the only DynamoDB action is BatchGetItem (one read)', () => {
    const { env, statements, tables } = synth({ revocation: true, replayProtection: 'off' });
    expect(tables).toHaveLength(1);
    const [tableId] = tables[0]!;
    expect(env['REVOCATION']).toBe('on');
    expect(env['REPLAY_PROTECTION']).toBe('off');
    expect(referencedId(env['REPLAY_TABLE_NAME'])).toBe(tableId);
    expect(grants(statements)).toEqual({ actions: ['dynamodb:BatchGetItem'], resources: [{ 'Fn::GetAtt': [tableId, 'Arn'] }] });
  });

  it('off by default: no REVOCATION variable and no extra action', () => {
    const { env, statements } = synth({});
    expect(env).not.toHaveProperty('REVOCATION');
    expect(grants(statements).actions).toEqual(['dynamodb:PutItem']);
    const off = synth({ replayProtection: 'off', revocation: false });
    expect(off.tables).toHaveLength(0);
    expect(off.statements).toEqual([]);
  });

  it('warns at synth time that a result cache delays a revocation by up to its TTL', () => {
    const { stack } = synth({ revocation: true, replayProtection: 'off', resultsCacheTtl: Duration.seconds(300) });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('a revoked token keeps working for up to 300 s'));
    const quiet = synth({ revocation: true, replayProtection: 'off' });
    expect(Annotations.fromStack(quiet.stack).findWarning('*', Match.stringLikeRegexp('revoked token'))).toEqual([]);
  });
});
