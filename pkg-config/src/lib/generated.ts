// Generated from callseal's Rust types by `cargo run --bin callseal-types` (scripts/build-wasm.sh runs it): do not edit.
import type { OwnedBytes } from './types.js';

/**
 * Stable error codes: `CallsealError.code` in JavaScript, as JSON writes them (`MALFORMED_HEADER`,
 * `TAG_MISMATCH`, ...). New ones are added, none renamed.
 */
export type CallsealErrorCode = "MALFORMED_HEADER" | "MALFORMED_BODY" | "UNSUPPORTED_VERSION" | "UNSUPPORTED_SUITE" | "TOO_MANY_DATA_KEYS" | "CONTEXT_MISMATCH" | "COMMITMENT_MISMATCH" | "TAG_MISMATCH" | "SIGNATURE_INVALID" | "TRUNCATED" | "TRAILING_BYTES" | "WRONG_KEY_LENGTH" | "SIGNED_MESSAGE_REFUSED" | "LIMIT_EXCEEDED" | "MALFORMED_METADATA" | "KEY_UNWRAP_FAILED" | "INVALID_ARGUMENT" | "ENGINE_UNAVAILABLE" | "INVALID_STATE" | "MALFORMED_POLICY" | "INVALID_POLICY" | "IO";

/**
 * An ESDK message header as read from the bytes, BEFORE it is authenticated.
 *
 * Nothing here is trustworthy until `decrypt` (or a reader) verifies the header with the data
 * key: an attacker who can write the object can put anything in these fields. It exists so a
 * page can ask its key broker to unwrap the data key (the broker's KMS Decrypt call binds the
 * encryption context, so a forged context fails there).
 */
export type MessageHeader = { 
/**
 * `true`: read from the bytes, not verified (`false` only in a `VerifiedMessageHeader`).
 */
unauthenticated: true, 
/**
 * Header format version: 1 or 2.
 */
version: 1 | 2, 
/**
 * Algorithm suite id as a number, e.g. 0x0578.
 */
suiteId: number, 
/**
 * Algorithm suite id as 4 hex digits, e.g. "0578".
 */
suite: string, 
/**
 * 16 (v1) or 32 (v2) bytes.
 */
messageId: OwnedBytes, 
/**
 * Key/value pairs, including `aws-crypto-public-key` for signed suites.
 */
encryptionContext: Record<string, string>, encryptedDataKeys: Array<EncryptedDataKey>, contentType: ContentType, 
/**
 * Plaintext bytes per regular frame; 0 when non-framed.
 */
frameLength: number, 
/**
 * Length in bytes of the serialized header, authentication tag included.
 */
headerLength: number, 
/**
 * Whether the suite carries an ECDSA footer signature.
 */
signed: boolean, 
/**
 * Whether the suite commits to its key (0478, 0578).
 */
committing: boolean, 
/**
 * Bytes of the suite's data key (16, 24 or 32): what the key broker's answer must hold.
 */
dataKeyLength: number, };

/**
 * An encrypted data key as carried in the header. spec: data-format/message-header.md#encrypted-data-key-entries
 */
export type EncryptedDataKey = { 
/**
 * Key provider id (`aws-kms`, or a raw keyring's key namespace), UTF-8.
 */
providerId: string, 
/**
 * Key provider info (a KMS key ARN, or raw-AES key name ‖ tag bits ‖ IV length ‖ IV).
 */
providerInfo: OwnedBytes, 
/**
 * The wrapped data key (the KMS `CiphertextBlob` for `aws-kms`).
 */
ciphertext: OwnedBytes, };

/**
 * Content type of the body. spec: data-format/message-header.md#content-type
 */
export type ContentType = "non-framed" | "framed";

/**
 * One of the 11 ESDK algorithm suites as the package lists them (`SUITES`), with the names
 * `MessageHeader` gives the same facts.
 */
export type SuiteInfo = { 
/**
 * Algorithm suite id as a number, e.g. 0x0578.
 */
suiteId: number, 
/**
 * Algorithm suite id as 4 hex digits, e.g. "0578".
 */
suite: string, 
/**
 * Bytes of the suite's data key (16, 24 or 32).
 */
dataKeyLength: number, 
/**
 * Whether the suite carries an ECDSA footer signature.
 */
signed: boolean, 
/**
 * Whether the suite commits to its key.
 */
committing: boolean, };

/**
 * What the policy is attached to; decides which checks apply.
 */
export type PolicyType = "identity" | "resource" | "kms-key" | "trust" | "scp" | "rcp";

/**
 * How serious a finding is (IAM Access Analyzer's finding types).
 */
export type Severity = "ERROR" | "SECURITY_WARNING" | "WARNING" | "SUGGESTION";

/**
 * Every code a `Finding` carries: the validator's checks (docs/policy-checks.md),
 * `SERVICE_DATA_NOT_LOADED` and the grant checks, in their registries' order.
 */
export type FindingCode = "JSON_SYNTAX_ERROR" | "POLICY_LIMIT_EXCEEDED" | "DUPLICATE_KEY" | "INVALID_POLICY_ELEMENT" | "DATA_TYPE_MISMATCH" | "UNSUPPORTED_ELEMENT_COMBINATION" | "INVALID_EFFECT" | "MISSING_EFFECT" | "MISSING_ACTION" | "MISSING_RESOURCE" | "MISSING_STATEMENT" | "MISSING_PRINCIPAL" | "UNSUPPORTED_PRINCIPAL" | "INVALID_PRINCIPAL_KEY" | "INVALID_PRINCIPAL_FORMAT" | "INVALID_CONDITION_OPERATOR" | "NULL_WITH_IF_EXISTS" | "RESOURCE_IN_TRUST_POLICY" | "INVALID_VERSION" | "MISSING_VERSION" | "OLD_VERSION" | "UNIQUE_SIDS_REQUIRED" | "UNIQUE_SIDS_RECOMMENDED" | "UNSUPPORTED_SID" | "EMPTY_SID_VALUE" | "EMPTY_ARRAY_ACTION" | "EMPTY_ARRAY_RESOURCE" | "EMPTY_ARRAY_PRINCIPAL" | "EMPTY_OBJECT_PRINCIPAL" | "EMPTY_OBJECT_CONDITION" | "EMPTY_ARRAY_CONDITION" | "EMPTY_ARRAY_CONDITION_FORALLVALUES" | "EMPTY_ARRAY_CONDITION_FORANYVALUE" | "EMPTY_ARRAY_CONDITION_IFEXISTS" | "EMPTY_STRING_VALUE" | "INVALID_ACTION_FORMAT" | "INVALID_SERVICE_IN_ACTION" | "INVALID_ACTION" | "WILDCARD_IN_SERVICE_NAME" | "UNSUPPORTED_ACTION_IN_POLICY" | "INVALID_ARN_PREFIX" | "MISSING_ARN_FIELD" | "INVALID_PARTITION" | "INVALID_ARN_SERVICE_CASE" | "INVALID_ARN_REGION" | "INVALID_ARN_ACCOUNT" | "INVALID_SERVICE" | "INVALID_ARN_RESOURCE" | "MISSING_ARN_REGION" | "ARN_REGION_NOT_ALLOWED" | "MISSING_ARN_ACCOUNT" | "ARN_ACCOUNT_NOT_ALLOWED" | "UNSUPPORTED_WILDCARD_IN_PRINCIPAL" | "INVALID_ROLE_REFERENCE" | "INVALID_USER_REFERENCE" | "ALLOW_WITH_NOT_PRINCIPAL" | "PUBLIC_ACCESS" | "INVALID_SERVICE_PRINCIPAL" | "INVALID_FEDERATED_PRINCIPAL" | "INVALID_CANONICAL_USER" | "PLACEHOLDER_VALUE" | "INVALID_CONDITION_KEY_FORMAT" | "INVALID_GLOBAL_CONDITION_KEY" | "UNSUPPORTED_GLOBAL_CONDITION_KEY" | "INVALID_SERVICE_CONDITION_KEY" | "MISSING_TAG_KEY_IN_CONDITION" | "DUPLICATE_KEYS_WITH_DIFFERENT_CASE" | "INVALID_CONDITION_MULTIPLE_BOOLEAN" | "INVALID_CONDITION_DATA_TYPE" | "TYPE_MISMATCH" | "TYPE_MISMATCH_BOOLEAN" | "TYPE_MISMATCH_DATE" | "TYPE_MISMATCH_IP_RANGE" | "TYPE_MISMATCH_NUMBER" | "TYPE_MISMATCH_STRING" | "TYPE_MISMATCH_ARN" | "INVALID_DATE_VALUE" | "WILDCARD_WITHOUT_LIKE_OPERATOR" | "IMPROVE_IP_RANGE" | "PRIVATE_IP_ADDRESS" | "PRIVATE_NOT_IP_ADDRESS" | "PRIVATE_IP_ADDRESS_SUBSET" | "PRIVATE_NOT_IP_ADDRESS_SUBSET" | "NULL_WITH_QUALIFIER" | "FORALLVALUES_WITH_SINGLE_VALUED_KEY" | "FORANYVALUE_WITH_SINGLE_VALUED_KEY" | "MISSING_QUALIFIER" | "MISSING_PAIRED_CONDITION_KEYS" | "INVALID_REGION" | "INVALID_SERVICE_PRINCIPAL_FORMAT" | "INVALID_ACCOUNT_ID_VALUE" | "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS" | "IF_EXISTS_ON_ALWAYS_PRESENT_KEY" | "MISSING_BRACE_IN_VARIABLE" | "UNSUPPORTED_SYMBOL_IN_VARIABLE" | "MISSING_QUOTE_IN_VARIABLE" | "UNSUPPORTED_SPACE_IN_VARIABLE" | "EMPTY_VARIABLE" | "VARIABLE_UNSUPPORTED_IN_ELEMENT" | "VARIABLE_UNSUPPORTED_IN_VERSION" | "INVALID_VARIABLE_FOR_OPERATOR" | "UNKNOWN_POLICY_VARIABLE" | "PASS_ROLE_WITH_STAR_IN_RESOURCE" | "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE" | "PASS_ROLE_WITH_NOT_RESOURCE" | "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE" | "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE" | "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION" | "CREATE_SLR_WITH_STAR_IN_RESOURCE" | "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE" | "CREATE_SLR_WITH_NOT_RESOURCE" | "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE" | "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE" | "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION" | "PERMISSIONS_MANAGEMENT_WITH_STAR_IN_RESOURCE" | "ALLOW_NOT_ACTION_WITH_STAR_RESOURCE" | "ALLOW_NOT_RESOURCE" | "FULL_ADMIN_ACCESS" | "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" | "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" | "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" | "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" | "REDUNDANT_ACTION" | "REDUNDANT_RESOURCE" | "REDUNDANT_STATEMENT" | "REDUNDANT_CONDITION_VALUE_NUM" | "REDUNDANT_PRINCIPAL" | "REDUNDANT_CONDITION_VALUE" | "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" | "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA" | "POLICY_SIZE_EXCEEDS_SCP_QUOTA" | "POLICY_SIZE_EXCEEDS_RCP_QUOTA" | "POLICY_SIZE_EXCEEDS_KEY_POLICY_QUOTA" | "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA" | "SCP_SYNTAX_ERROR_PRINCIPAL" | "SCP_SYNTAX_ERROR_ACTION_WILDCARD" | "SCP_SYNTAX_ERROR_ALLOW_CONDITION" | "SCP_SYNTAX_ERROR_ALLOW_NOTACTION" | "SCP_SYNTAX_ERROR_ALLOW_RESOURCE" | "SCP_SYNTAX_ERROR_NOTRESOURCE" | "RCP_SYNTAX_ERROR_PRINCIPAL" | "RCP_SYNTAX_ERROR_NOTPRINCIPAL" | "RCP_SYNTAX_ERROR_ALLOW" | "RCP_SYNTAX_ERROR_ACTION_WILDCARD" | "RCP_UNSUPPORTED_SERVICE" | "KMS_KEY_POLICY_LOCKOUT" | "KMS_MISSING_ACCOUNT_ROOT_STATEMENT" | "KMS_FULL_ACCESS_TO_NON_ADMIN" | "KMS_SERVICE_PRINCIPAL_WITHOUT_SOURCE_CONDITION" | "KMS_GRANT_WITHOUT_ENCRYPTION_CONTEXT_CONSTRAINT" | "KMS_CONNECT_MISSING_PERMISSIONS" | "KMS_VOICE_ID_MISSING_PERMISSIONS" | "KMS_VIA_SERVICE_WITH_SERVICE_PRINCIPAL" | "KMS_RESOURCE_NOT_WILDCARD" | "SERVICE_DATA_NOT_LOADED" | "MALFORMED_GRANT" | "GRANT_TO_SERVICE_WITHOUT_CONSTRAINTS" | "GRANT_CREATE_GRANT_WITHOUT_CONSTRAINTS" | "GRANT_OPERATION_NOT_NEEDED" | "GRANT_OPERATIONS_WITHOUT_COMMON_KEY_USAGE" | "GRANT_CONSTRAINT_KEYS_DIFFER_ONLY_IN_CASE";

/**
 * One validation finding.
 */
export type Finding = { 
/**
 * Issue code (IAM Access Analyzer's where it has the check), e.g. `MISSING_VERSION`: the
 * code of one of [`finding_checks`].
 */
code: FindingCode, severity: Severity, 
/**
 * What is wrong, in plain words.
 */
message: string, 
/**
 * Path of the element, e.g. `Statement[1].Condition.StringEquals`; empty for the policy.
 */
path: string, span: Span, 
/**
 * Documentation link, where one exists.
 */
learnMore?: string, fix?: Fix, };

/**
 * A suggested repair: replace the text of `span` with `replacement`.
 */
export type Fix = { 
/**
 * What the fix does, in plain words.
 */
description: string, span: Span, replacement: string, };

/**
 * A start and end position (end is exclusive: the position just after the last character).
 */
export type Span = { start: Position, end: Position, };

/**
 * One position in the text (see the module docs for the units).
 */
export type Position = { line: number, column: number, offset: number, utf16Offset: number, };

/**
 * The result of evaluating one request.
 */
export type Decision = { decision: DecisionKind, 
/**
 * Explicit deny: every applicable Deny. Allow: the Allow statements that granted it at
 * each check passed. Implicit deny: empty.
 */
statements: Array<DecidingStatement>, 
/**
 * Keys the request did not give that applicable statements consulted (their outcome
 * could change the decision), as spelled in the policies, first occurrence first.
 */
missingContextKeys: Array<string>, 
/**
 * For an allow: the KMS grants it rests on (with or instead of statements). Absent
 * otherwise.
 */
grants?: Array<DecidingGrant>, 
/**
 * For an implicit deny, the check that found no Allow.
 */
deniedBy?: DenyGate, 
/**
 * A short explanation in plain words.
 */
reason: string, 
/**
 * What the evaluator assumed or ignored to decide: the default key policy it stood in
 * for `kmsKeyPolicy: "default"`, context keys AWS never sends with the action.
 */
notes: Array<string>, };

/**
 * `Allow`, `ExplicitDeny` or `ImplicitDeny` (spec: "The difference between explicit and
 * implicit denies").
 */
export type DecisionKind = "Allow" | "ExplicitDeny" | "ImplicitDeny";

/**
 * A statement that took part in the decision.
 */
export type DecidingStatement = { 
/**
 * `identity[0]`, `resource`, `kmsKeyPolicy`, `boundary`, `scps[1]`, `rcps[0]`, `session`.
 */
policy: string, 
/**
 * Index of the statement in its policy's `Statement` array (0 for a single object).
 */
index: number, sid?: string, effect: Effect, 
/**
 * Source span of the statement object.
 */
span: Span, };

/**
 * `Allow` / `Deny`, as written in policies.
 */
export type Effect = "Allow" | "Deny";

/**
 * Which check an implicit deny came from (`None` for allow and explicit deny).
 */
export type DenyGate = "ambiguousContext" | "rcp" | "scp" | "resourcePolicyRequired" | "resourcePolicy" | "identity" | "boundary" | "session";

/**
 * A grant that took part in a decision.
 */
export type DecidingGrant = { 
/**
 * Whether the caller was the grant's grantee or its retiring principal.
 */
as: Capacity, 
/**
 * `grants[0]`: the grant's place in the policy set's `grants`.
 */
grant: string, grantId?: string, name?: string, };

/**
 * Which grant: its place in the policy set and the names it carries.
 */
export type GrantLabel = { 
/**
 * `grants[0]`: the grant's place in the policy set's `grants`.
 */
grant: string, grantId?: string, name?: string, };

/**
 * In what capacity a grant named the caller.
 */
export type Capacity = "grantee" | "retiringPrincipal";

/** The 11 ESDK algorithm suites, in id order. */
export const SUITES: readonly SuiteInfo[] = [
  {"suiteId":20,"suite":"0014","dataKeyLength":16,"signed":false,"committing":false},
  {"suiteId":70,"suite":"0046","dataKeyLength":24,"signed":false,"committing":false},
  {"suiteId":120,"suite":"0078","dataKeyLength":32,"signed":false,"committing":false},
  {"suiteId":276,"suite":"0114","dataKeyLength":16,"signed":false,"committing":false},
  {"suiteId":326,"suite":"0146","dataKeyLength":24,"signed":false,"committing":false},
  {"suiteId":376,"suite":"0178","dataKeyLength":32,"signed":false,"committing":false},
  {"suiteId":532,"suite":"0214","dataKeyLength":16,"signed":true,"committing":false},
  {"suiteId":838,"suite":"0346","dataKeyLength":24,"signed":true,"committing":false},
  {"suiteId":888,"suite":"0378","dataKeyLength":32,"signed":true,"committing":false},
  {"suiteId":1144,"suite":"0478","dataKeyLength":32,"signed":false,"committing":true},
  {"suiteId":1400,"suite":"0578","dataKeyLength":32,"signed":true,"committing":true},
];

/** The suites' data key lengths in bytes, ascending: what a data key may hold before its header is known. */
export const DATA_KEY_LENGTHS: readonly number[] = [16, 24, 32];
