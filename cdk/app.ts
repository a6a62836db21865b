/**
 * The CDK app: one stack per stage, chosen with `-c stage=dev|staging|prod`, checked by the cdk-nag
 * AwsSolutions and Serverless packs on every synth.
 *
 *   npx cdk synth -c stage=dev
 *   npx cdk deploy -c stage=prod
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { AuthorizerStack, stackNameOf } from './authorizer-stack.js';
import { stageSettings, type StageSettings } from './stages.js';

const app = new App();
let settings: StageSettings;
try {
  settings = stageSettings(app.node.tryGetContext('stage'));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

new AuthorizerStack(app, stackNameOf(settings.stageName), {
  settings,
  env: settings.env,
  description: `JWT Lambda authorizer for API Gateway, with demo REST and HTTP APIs (${settings.stageName})`,
  tags: { project: 'apigw-jwt-authorizer', stage: settings.stageName },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
