/**
 * Starting points, from the seeds the project started from (/work/shared/seeds): Amazon Connect's
 * KMS needs (seed 000), the Voice ID key policy and its encryption-context statements (seed 003,
 * the Indonesian edition of Connect's "Encryption at rest" page), the read-only contact-flow
 * policy (seed 000, verbatim) and the three RBAC roles the seed names, least privilege.
 */
import type { PolicyKind } from './state';

export type TemplateId = 'connect-key' | 'voiceid-key' | 'contact-flow-read-only' | 'rbac-administrator' | 'rbac-supervisor' | 'rbac-agent' | 'seed-003-as-printed';

/** A template's title and its one-sentence note (where it comes from, what it shows) are the messages `template.<id>` and `template.<id>.note` (i18n/). */
export interface Template {
  id: TemplateId;
  kind: PolicyKind;
  text: string;
}

const ACCOUNT = '111122223333';
const INSTANCE = `arn:aws:connect:us-east-1:${ACCOUNT}:instance/11111111-2222-3333-4444-555555555555`;
const RECORDINGS = `arn:aws:s3:::amzn-connect-recordings-${ACCOUNT}/connect/example-instance/CallRecordings/*`;

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Seed 000: connect.amazonaws.com needs Encrypt, Decrypt, GenerateDataKey, DescribeKey on the key. */
const connectKeyPolicy = json({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'EnableIAMUserPermissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'AllowAmazonConnect',
      Effect: 'Allow',
      Principal: { Service: 'connect.amazonaws.com' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': INSTANCE },
      },
    },
  ],
});

/**
 * Seed 003: Voice ID uses the key through grants (CreateGrant, Decrypt, DescribeKey) via
 * voiceid.<region>.amazonaws.com, every cryptographic use and grant bound to the domain's
 * encryption context `aws:voiceid:domain:arn` (for CreateGrant, KMS checks the grant's constraint).
 */
const VOICEID_DOMAIN = `arn:aws:voiceid:us-west-2:${ACCOUNT}:domain/sampleDomainId`;
const voiceIdKeyPolicy = json({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'EnableIAMUserPermissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'AllowKeyAccessToAmazonConnectVoiceID',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/VoiceIdAdmin` },
      Action: ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': ['voiceid.us-west-2.amazonaws.com'],
          'kms:EncryptionContext:aws:voiceid:domain:arn': VOICEID_DOMAIN,
        },
      },
    },
  ],
});

/** Seed 000, verbatim (the seed prints it as an indented block). */
const contactFlowReadOnly = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "connect:DescribeContactFlow",
        "connect:ListContactFlows"
      ],
      "Resource": "*"
    }
  ]
}
`;

/**
 * Seed 003's example key-policy statements, the line exactly as the page prints it (nested,
 * unescaped quotes in the `kms:EncryptionContext:` key), placed in a key policy's Statement list
 * as a user would paste it. Not valid JSON: the editor shows where, and what was probably meant.
 */
const seedStatementsAsPrinted =
  '{ "Sid": "Enable DescribeKey", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111122223333:role/ExampleReadOnlyRole" }, "Action": "kms:DescribeKey", "Resource": "*" }, { "Sid": "Enable CreateGrant", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111122223333:role/ExampleReadOnlyRole" }, "Action": "kms:CreateGrant", "Resource": "*", "Condition": { "StringEquals": { "kms:EncryptionContext:"aws:voiceid:domain:arn": "arn:aws:voiceid:us-west-2:111122223333:domain/sampleDomainId"" } } }';
const brokenSeedKeyPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    ${seedStatementsAsPrinted}
  ]
}
`;

/** Administrator: full configuration of one Connect instance, nothing outside it. */
const administrator = json({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ConfigureTheContactCenterInstance',
      Effect: 'Allow',
      Action: 'connect:*',
      Resource: [INSTANCE, `${INSTANCE}/*`],
    },
    {
      Sid: 'FindTheInstance',
      Effect: 'Allow',
      Action: 'connect:ListInstances',
      Resource: '*',
    },
  ],
});

/** Supervisor: monitor queues and agents, manage agents' routing, review recordings. */
const supervisor = json({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'MonitorPerformance',
      Effect: 'Allow',
      Action: [
        'connect:GetCurrentMetricData',
        'connect:GetMetricDataV2',
        'connect:GetCurrentUserData',
        'connect:ListRoutingProfiles',
        'connect:ListUsers',
        'connect:SearchContacts',
      ],
      Resource: [INSTANCE, `${INSTANCE}/queue/*`, `${INSTANCE}/routing-profile/*`, `${INSTANCE}/agent/*`, `${INSTANCE}/agent-group/*`],
    },
    {
      Sid: 'ManageAgents',
      Effect: 'Allow',
      Action: ['connect:DescribeUser', 'connect:UpdateUserRoutingProfile', 'connect:MonitorContact', 'connect:DescribeContact'],
      Resource: [INSTANCE, `${INSTANCE}/agent/*`, `${INSTANCE}/routing-profile/*`, `${INSTANCE}/contact/*`],
    },
    {
      Sid: 'ReviewRecordings',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: RECORDINGS,
    },
    {
      Sid: 'DecryptRecordingsThroughS3',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    },
  ],
});

/** Agent: sign in to the Contact Control Panel and set their own status, nothing else. */
const agent = json({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'SignInToTheContactControlPanel',
      Effect: 'Allow',
      Action: 'connect:GetFederationToken',
      Resource: INSTANCE,
    },
    {
      Sid: 'SetOwnStatus',
      Effect: 'Allow',
      Action: 'connect:PutUserStatus',
      Resource: [INSTANCE, `${INSTANCE}/agent/\${aws:userid}`, `${INSTANCE}/agent-state/*`],
    },
  ],
});

export const TEMPLATES: readonly Template[] = [
  { id: 'connect-key', kind: 'kms-key', text: connectKeyPolicy },
  { id: 'voiceid-key', kind: 'kms-key', text: voiceIdKeyPolicy },
  { id: 'contact-flow-read-only', kind: 'identity', text: contactFlowReadOnly },
  { id: 'rbac-administrator', kind: 'identity', text: administrator },
  { id: 'rbac-supervisor', kind: 'identity', text: supervisor },
  { id: 'rbac-agent', kind: 'identity', text: agent },
  { id: 'seed-003-as-printed', kind: 'kms-key', text: brokenSeedKeyPolicy },
];

export const templateById = (id: string): Template | undefined => TEMPLATES.find((t) => t.id === id);
