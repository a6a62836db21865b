/**
 * The CDK app: one stack per stage, chosen with `-c stage=<name>` and configured from
 * `config/<name>.json` (or `-c config=<file>`), checked by the cdk-nag AwsSolutions and Serverless packs
 * on every synth. Without a file, the demo stages synthesize with placeholders (and say so).
 *
 *   npx cdk synth -c stage=dev
 *   npx cdk diff -c stage=prod -c config=config/prod.json
 *   npx cdk deploy -c stage=prod -c config=config/prod.json
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { AuthorizerStack, stackNameOf } from './authorizer-stack.js';
import { loadStage, type LoadedStage } from './stage-config.js';

const app = new App();
let loaded: LoadedStage;
try {
  loaded = loadStage(app.node.tryGetContext('stage'), app.node.tryGetContext('config'));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
if (loaded.notice) console.error(loaded.notice);
const settings = loaded.settings;

new AuthorizerStack(app, stackNameOf(settings.stageName), {
  settings,
  routes: loaded.routes,
  env: settings.env,
  description: `JWT Lambda authorizer for API Gateway, with demo REST and HTTP APIs (${settings.stageName})`,
  tags: { project: 'apigw-jwt-authorizer', stage: settings.stageName },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
