// Provisions the local stack once its servers answer (called by up.sh; idempotent):
//  - KMS (moto): a customer managed symmetric key whose key policy is the Amazon Connect key policy
//    of the seeds (connect-key-policy.json), key rotation on, and an alias;
//  - S3 (SeaweedFS): the recordings bucket;
//  - SQS (moto): the sealer's queue and its dead-letter queue, and the bucket's notification
//    configuration (notification.json: ObjectCreated events under the Connect prefix to the queue),
//    which the stack's notifier (notifier.mjs) carries out;
// then writes .stack/stack.env for the broker, the sample maker and the tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  KMSClient, ListAliasesCommand, DescribeKeyCommand, CreateKeyCommand, CreateAliasCommand,
  GetKeyPolicyCommand, PutKeyPolicyCommand, EnableKeyRotationCommand,
} from '@aws-sdk/client-kms';
import { S3Client, HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { SQSClient, CreateQueueCommand } from '@aws-sdk/client-sqs';
import { repoRoot, stackDir, writeStackEnv, clientConfig } from './stack-env.mjs';

const e = process.env;
const need = (k) => e[k] || (() => { throw new Error(`${k} is not set (run scripts/stack/up.sh)`); })();
const [ident] = JSON.parse(readFileSync(join(stackDir(), 's3.json'), 'utf8')).identities;

const env = {
  AWS_REGION: need('CALLSEAL_REGION'),
  AWS_ACCESS_KEY_ID: ident.credentials[0].accessKey,
  AWS_SECRET_ACCESS_KEY: ident.credentials[0].secretKey,
  CALLSEAL_S3_ENDPOINT: `http://${need('CALLSEAL_BIND')}:${need('CALLSEAL_S3_PORT')}`,
  CALLSEAL_S3_FORCE_PATH_STYLE: 'true',
  CALLSEAL_KMS_ENDPOINT: `http://${e.CALLSEAL_BIND}:${need('CALLSEAL_KMS_PORT')}`,
  // moto serves every service on its one port: SQS (the sealer's queues) is the same server.
  CALLSEAL_SQS_ENDPOINT: `http://${e.CALLSEAL_BIND}:${need('CALLSEAL_KMS_PORT')}`,
  CALLSEAL_BUCKET: need('CALLSEAL_BUCKET'),
  CALLSEAL_CONNECT_PREFIX: need('CALLSEAL_CONNECT_PREFIX'),
  CALLSEAL_SEAL_QUEUE_URL: '',
  CALLSEAL_SEAL_DEAD_LETTER_QUEUE_URL: '',
  CALLSEAL_ACCOUNT_ID: need('CALLSEAL_ACCOUNT_ID'),
  CALLSEAL_CONNECT_INSTANCE_ID: need('CALLSEAL_CONNECT_INSTANCE_ID'),
  CALLSEAL_KMS_ALIAS: need('CALLSEAL_KMS_ALIAS'),
  CALLSEAL_KMS_KEY_ARN: '',
  CALLSEAL_ALLOWED_ORIGINS: need('CALLSEAL_ALLOWED_ORIGINS'),
  CALLSEAL_BROKER_PORT: need('CALLSEAL_BROKER_PORT'),
  CALLSEAL_IDP_PORT: need('CALLSEAL_IDP_PORT'),
  CALLSEAL_OIDC_ISSUER: `http://${e.CALLSEAL_BIND}:${need('CALLSEAL_IDP_PORT')}`,
  CALLSEAL_OIDC_CLIENT_ID: 'callseal-player',
  CALLSEAL_PAGE_PORT: need('CALLSEAL_PAGE_PORT'),
};
const cfg = clientConfig(env);
const kms = new KMSClient({ ...cfg.kms, maxAttempts: 2 });
const s3 = new S3Client({ ...cfg.s3, maxAttempts: 2 });

const keyPolicy = readFileSync(join(repoRoot, 'scripts/stack/connect-key-policy.json'), 'utf8')
  .replaceAll('{{ACCOUNT_ID}}', env.CALLSEAL_ACCOUNT_ID)
  .replaceAll('{{REGION}}', env.AWS_REGION)
  .replaceAll('{{CONNECT_INSTANCE_ID}}', env.CALLSEAL_CONNECT_INSTANCE_ID);
JSON.parse(keyPolicy); // the template must stay valid JSON

async function ensureKey() {
  const { Aliases = [] } = await kms.send(new ListAliasesCommand({}));
  const existing = Aliases.find((a) => a.AliasName === env.CALLSEAL_KMS_ALIAS && a.TargetKeyId);
  let keyId;
  if (existing) {
    keyId = existing.TargetKeyId;
  } else {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({
      Description: 'callseal demo: Amazon Connect call recordings and Contact Lens transcripts',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Policy: keyPolicy,
      Tags: [{ TagKey: 'project', TagValue: 'callseal' }],
    }));
    keyId = KeyMetadata.KeyId;
    await kms.send(new CreateAliasCommand({ AliasName: env.CALLSEAL_KMS_ALIAS, TargetKeyId: keyId }));
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    console.error(`[stack] created KMS key ${KeyMetadata.Arn} (${env.CALLSEAL_KMS_ALIAS})`);
  }
  const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
  if (JSON.stringify(JSON.parse(Policy)) !== JSON.stringify(JSON.parse(keyPolicy))) {
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: keyPolicy }));
  }
  const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  if (KeyMetadata.KeyState !== 'Enabled') throw new Error(`KMS key ${KeyMetadata.Arn} is ${KeyMetadata.KeyState}`);
  return KeyMetadata.Arn;
}

async function ensureBucket() {
  // SeaweedFS answers before its volume server takes writes: retry for a while.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: env.CALLSEAL_BUCKET }));
      return;
    } catch (err) {
      const status = err?.$metadata?.httpStatusCode;
      if (status === 404 || err?.name === 'NotFound') {
        try {
          await s3.send(new CreateBucketCommand({ Bucket: env.CALLSEAL_BUCKET }));
          console.error(`[stack] created bucket ${env.CALLSEAL_BUCKET}`);
          return;
        } catch (createErr) {
          if (Date.now() > deadline) throw createErr;
        }
      } else if (Date.now() > deadline) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** The sealer's queues (CreateQueue is idempotent) and the notification configuration. */
async function ensureQueues() {
  const sqs = new SQSClient({ ...cfg.kms, endpoint: env.CALLSEAL_SQS_ENDPOINT, maxAttempts: 2 });
  const queue = async (QueueName) => (await sqs.send(new CreateQueueCommand({ QueueName, Attributes: { VisibilityTimeout: '120' } }))).QueueUrl;
  env.CALLSEAL_SEAL_QUEUE_URL = await queue('callseal-seal');
  env.CALLSEAL_SEAL_DEAD_LETTER_QUEUE_URL = await queue('callseal-seal-dead-letter');
  const notification = {
    QueueConfigurations: [{
      Id: 'callseal-seal',
      QueueArn: `arn:aws:sqs:${env.AWS_REGION}:${env.CALLSEAL_ACCOUNT_ID}:callseal-seal`,
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: env.CALLSEAL_CONNECT_PREFIX }] } },
    }],
  };
  writeFileSync(join(stackDir(), 'notification.json'), JSON.stringify(notification, null, 2) + '\n');
}

env.CALLSEAL_KMS_KEY_ARN = await ensureKey();
await ensureBucket();
await ensureQueues();
writeStackEnv(env);
