#!/usr/bin/env python3
"""Writes tests/policy/evaluate/grants.json: KMS grants in evaluation, from the project's
source documents (seed 003: Voice ID's CreateGrant CloudTrail record, AppIntegrations' grant).

Same format and helpers as generate.py, plus `policies.grants` (a list of grants, each a
GrantListEntry or a CloudTrail CreateGrant record) and `expect.grants` (the exact set of
[grant label, "grantee" | "retiringPrincipal"] the decision names). Every expectation was
derived by hand from the KMS documentation the case's `doc` cites.

Run: python3 tests/policy/evaluate/generate_grants.py
"""
import copy
import json
import os

from generate import ACCT, KEY, OTHER, D_CROSS, D_BOUNDARY, D_SESSION, D_SCP, D_KMS_DEFAULT, allow, case, deny, pol, req

HERE = os.path.dirname(os.path.abspath(__file__))

D_GRANTS = "KMS DG, Grants in AWS KMS (a grant allows its grantee principal its operations on its one KMS key when its constraints are met; a grant can allow access, not deny it)"
D_GRANT_C = "KMS API, GrantConstraints (EncryptionContextSubset / Equals; keys not case-sensitive, values case-sensitive; not applied to DescribeKey or RetireGrant)"
D_RETIRE = "KMS DG, Retiring and revoking grants (the retiring principal may retire the grant)"
D_GRANT_CG = "KMS DG, Grant constraints > CreateGrant from a grant (only the grant's own operations, constraints at least as strict)"
D_DENY = "IAM UG, Policy evaluation logic (an explicit Deny in any policy overrides every Allow); " + D_GRANTS
D_SEED_VOICE = "seed 003 (Voice ID's CreateGrant CloudTrail record: grantee and retiring principal voiceid.amazonaws.com, encryptionContextSubset aws:voiceid:domain:arn)"
D_SEED_APPINT = "seed 003 (Amazon AppIntegrations creates a grant to send GenerateDataKey and Decrypt)"
D_ROLE = "IAM UG, Policy evaluation logic > Resource-based policies (a role ARN names its sessions, which boundary and session policy still limit); KMS DG, Grants in AWS KMS (grantee principal: IAM role)"

EC = "kms:EncryptionContext:aws:voiceid:domain:arn"
DOMAIN = f"arn:aws:voiceid:us-west-2:{ACCT}:domain/sampleDomainId"
OTHER_DOMAIN = f"arn:aws:voiceid:us-west-2:{ACCT}:domain/otherDomain"
KEY2 = f"arn:aws:kms:us-west-2:{ACCT}:key/55555555-3333-2222-1111-EXAMPLE22222"
VOICE = "voiceid.amazonaws.com"
APPINT = "app-integrations.amazonaws.com"
SAMPLE_ROLE = f"arn:aws:iam::{ACCT}:role/SampleRole"
SAMPLE_SESSION = f"arn:aws:sts::{ACCT}:assumed-role/SampleRole/SampleUser"
OTHER_USER = f"arn:aws:iam::{OTHER}:user/Bob"

default_kp = pol({"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "kms:*", "Resource": "*"})

# Voice ID's grant: the seed's CloudTrail record as published, except its granteePrincipal,
# which the record prints as "voiceid.amazonaws.com " (a trailing space: a principal KMS
# would match to nobody; callseal refuses the record as published, see tests/policy_grants.rs).
with open(os.path.join(HERE, "..", "grants", "voiceid-creategrant-cloudtrail.json")) as f:
    voice_grant = json.load(f)
voice_grant["requestParameters"]["granteePrincipal"] = VOICE
app_grant = {"KeyId": KEY, "GrantId": "appintegrations-grant", "Name": "AppIntegrations", "GranteePrincipal": APPINT, "RetiringPrincipal": APPINT, "Operations": ["GenerateDataKey", "Decrypt"]}
role_grant = {"KeyId": KEY, "GrantId": "sample-role-grant", "GranteePrincipal": SAMPLE_ROLE, "Operations": ["Decrypt", "GenerateDataKey"], "Constraints": {"EncryptionContextEquals": {"aws:voiceid:domain:arn": DOMAIN}}}
account_grant = {"KeyId": KEY, "GrantId": "other-account-grant", "GranteePrincipal": f"arn:aws:iam::{OTHER}:root", "Operations": ["Decrypt"], "Constraints": {"EncryptionContextSubset": {"aws:voiceid:domain:arn": DOMAIN}}}

G = [["grants[0]", "grantee"]]
V = {"kmsKeyPolicy": default_kp, "grants": [voice_grant]}
cases = []


def add(*a, **kw):
    c = case(*a, **kw)
    cases.append(c)
    return c


def with_grants(c, grants):
    c["expect"]["grants"] = grants
    return c


# Voice ID (the seed's grant, CloudTrail form)
with_grants(add("Voice ID grant: GenerateDataKeyWithoutPlaintext with the domain's context", D_SEED_VOICE + "; " + D_GRANTS, req("kms:GenerateDataKeyWithoutPlaintext", KEY, VOICE, {EC: DOMAIN}), V, "Allow", [], []), G)
add("Voice ID grant: Decrypt for another domain", D_SEED_VOICE + "; " + D_GRANT_C, req("kms:Decrypt", KEY, VOICE, {EC: OTHER_DOMAIN}), V, "ImplicitDeny", [], [], "resourcePolicy")
with_grants(add("Voice ID grant: constraint key compared case-insensitively", D_GRANT_C, req("kms:Decrypt", KEY, VOICE, {"kms:EncryptionContext:AWS:VoiceID:Domain:ARN": DOMAIN}), V, "Allow"), G)
add("Voice ID grant: constraint value compared case-sensitively", D_GRANT_C, req("kms:Decrypt", KEY, VOICE, {EC: DOMAIN.replace("sampleDomainId", "SampleDomainId")}), V, "ImplicitDeny")
add("Voice ID grant: Decrypt without encryption context", D_GRANT_C, req("kms:Decrypt", KEY, VOICE), V, "ImplicitDeny", [], [EC], "resourcePolicy")
add("Voice ID grant: the context key given twice in different case is ambiguous", D_GRANT_C + " (do not use pairs that differ only by case)", req("kms:Decrypt", KEY, VOICE, {EC: DOMAIN, "kms:EncryptionContext:AWS:VOICEID:DOMAIN:ARN": OTHER_DOMAIN}), V, "ImplicitDeny")
with_grants(add("Voice ID grant: an extra context pair still satisfies the subset", D_GRANT_C, req("kms:Decrypt", KEY, VOICE, {EC: DOMAIN, "kms:EncryptionContext:purpose": "voiceprint"}), V, "Allow"), G)
with_grants(add("Voice ID grant: DescribeKey, constraints not applied", D_SEED_VOICE + "; " + D_GRANT_C, req("kms:DescribeKey", KEY, VOICE), V, "Allow", [], []), G)
with_grants(add("Voice ID grant: ReEncryptFrom with the domain's context", D_SEED_VOICE + " (ReEncrypt record)", req("kms:ReEncryptFrom", KEY, VOICE, {EC: DOMAIN}), V, "Allow"), G)
with_grants(add("Voice ID grant: ReEncryptTo with the domain's context", D_SEED_VOICE + " (ReEncrypt record)", req("kms:ReEncryptTo", KEY, VOICE, {EC: DOMAIN}), V, "Allow"), G)
add("Voice ID grant: Encrypt is not among its operations", D_SEED_VOICE + "; " + D_GRANTS, req("kms:Encrypt", KEY, VOICE, {EC: DOMAIN}), V, "ImplicitDeny", [], [])
add("Voice ID grant: connect.amazonaws.com is not the grantee", D_GRANTS, req("kms:Decrypt", KEY, "connect.amazonaws.com", {EC: DOMAIN}), V, "ImplicitDeny", [], [], "resourcePolicy")
add("Voice ID grant: another key", D_GRANTS + " (each grant allows access to exactly one KMS key)", req("kms:Decrypt", KEY2, VOICE, {EC: DOMAIN}), V, "ImplicitDeny")
add("Voice ID grant: kms:ScheduleKeyDeletion is no grant operation", D_GRANTS, req("kms:ScheduleKeyDeletion", KEY, VOICE), V, "ImplicitDeny")
with_grants(add("Voice ID grant: RetireGrant by the retiring principal", D_RETIRE + "; " + D_SEED_VOICE, req("kms:RetireGrant", KEY, VOICE), V, "Allow", [], []), [["grants[0]", "retiringPrincipal"]])
add("Voice ID grant: RetireGrant by another service", D_RETIRE, req("kms:RetireGrant", KEY, "connect.amazonaws.com"), V, "ImplicitDeny")
voice_deny_kp = pol(default_kp["Statement"][0], {"Sid": "NoVoiceIdDecrypt", "Effect": "Deny", "Principal": {"Service": VOICE}, "Action": "kms:Decrypt", "Resource": "*"})
add("Voice ID grant: a Deny in the key policy wins", D_DENY, req("kms:Decrypt", KEY, VOICE, {EC: DOMAIN}), {"kmsKeyPolicy": voice_deny_kp, "grants": [voice_grant]}, "ExplicitDeny", [["kmsKeyPolicy", 1]])
with_grants(add("Voice ID grant: CreateGrant for Decrypt with the domain's context", D_GRANT_CG + "; " + D_SEED_VOICE, req("kms:CreateGrant", KEY, VOICE, {EC: DOMAIN, "kms:GrantOperations": ["Decrypt"]}), V, "Allow", [], []), G)
add("Voice ID grant: CreateGrant for an operation it does not have", D_GRANT_CG, req("kms:CreateGrant", KEY, VOICE, {EC: DOMAIN, "kms:GrantOperations": ["Decrypt", "Encrypt"]}), V, "ImplicitDeny", [], [])
add("Voice ID grant: CreateGrant without kms:GrantOperations", D_GRANT_CG, req("kms:CreateGrant", KEY, VOICE, {EC: DOMAIN}), V, "ImplicitDeny", [], ["kms:GrantOperations"])
add("Voice ID grant: CreateGrant for another domain", D_GRANT_CG, req("kms:CreateGrant", KEY, VOICE, {EC: OTHER_DOMAIN, "kms:GrantOperations": ["Decrypt"]}), V, "ImplicitDeny")

# AppIntegrations (ListGrants form, operations from the seed; the seed names no constraint)
A = {"kmsKeyPolicy": default_kp, "grants": [app_grant]}
with_grants(add("AppIntegrations grant: GenerateDataKey", D_SEED_APPINT + "; " + D_GRANTS, req("kms:GenerateDataKey", KEY, APPINT, {"kms:EncryptionContext:anything": "x"}), A, "Allow", [], []), G)
with_grants(add("AppIntegrations grant: Decrypt without context (no constraint)", D_SEED_APPINT + "; " + D_GRANT_C, req("kms:Decrypt", KEY, APPINT), A, "Allow", [], []), G)
add("AppIntegrations grant: Encrypt not granted", D_SEED_APPINT, req("kms:Encrypt", KEY, APPINT), A, "ImplicitDeny")
add("AppIntegrations grant: GenerateDataKeyWithoutPlaintext not granted", D_SEED_APPINT + " (operations match exactly, no wildcard)", req("kms:GenerateDataKeyWithoutPlaintext", KEY, APPINT), A, "ImplicitDeny")
with_grants(add("AppIntegrations grant: operation name case-insensitive in the request", D_SEED_APPINT + "; IAM UG, Action element (action names are case-insensitive)", req("KMS:decrypt", KEY, APPINT), A, "Allow"), G)
add("AppIntegrations grant beside Voice ID's: Voice ID cannot use AppIntegrations' grant", D_GRANTS, req("kms:GenerateDataKey", KEY, VOICE), {"kmsKeyPolicy": default_kp, "grants": [voice_grant, app_grant]}, "ImplicitDeny", [], [EC])
with_grants(add("two grants: the one that allows is named", D_GRANTS, req("kms:Decrypt", KEY, APPINT), {"kmsKeyPolicy": default_kp, "grants": [voice_grant, app_grant]}, "Allow"), [["grants[1]", "grantee"]])

# A grant to the seed's caller role (ListGrants form, EncryptionContextEquals)
R = {"kmsKeyPolicy": default_kp, "grants": [role_grant]}
with_grants(add("role grant: a session of the role, no IAM policy", D_ROLE, req("kms:Decrypt", KEY, SAMPLE_SESSION, {EC: DOMAIN}), R, "Allow", [], []), G)
add("role grant: an identity-policy Deny wins", D_DENY, req("kms:Decrypt", KEY, SAMPLE_SESSION, {EC: DOMAIN}), {**R, "identity": [pol(deny("kms:Decrypt"))]}, "ExplicitDeny", [["identity[0]", 0]])
add("role grant: EncryptionContextEquals refuses an extra pair", D_GRANT_C, req("kms:Decrypt", KEY, SAMPLE_SESSION, {EC: DOMAIN, "kms:EncryptionContext:purpose": "x"}), R, "ImplicitDeny", [], None, "identity")
add("role grant: the session policy still limits the session", D_ROLE + "; " + D_SESSION, req("kms:Decrypt", KEY, SAMPLE_SESSION, {EC: DOMAIN}), {**R, "session": pol(allow("s3:*"))}, "ImplicitDeny", [], None, "session")
add("role grant: the permissions boundary still limits the session", D_ROLE + "; " + D_BOUNDARY, req("kms:Decrypt", KEY, SAMPLE_SESSION, {EC: DOMAIN}), {**R, "boundary": pol(allow("s3:*"))}, "ImplicitDeny", [], None, "boundary")
add("role grant: SCPs still apply", D_SCP, req("kms:Decrypt", KEY, SAMPLE_SESSION, {EC: DOMAIN}), {**R, "scps": [pol(allow("s3:*"))]}, "ImplicitDeny", [], None, "scp")
add("role grant: a session of another role", D_ROLE, req("kms:Decrypt", KEY, f"arn:aws:sts::{ACCT}:assumed-role/OtherRole/SampleUser", {EC: DOMAIN}), R, "ImplicitDeny", [], None, "identity")
add("role grant: same role name in another account", D_ROLE, req("kms:Decrypt", KEY, f"arn:aws:sts::{OTHER}:assumed-role/SampleRole/SampleUser", {EC: DOMAIN}), {**R, "identity": [pol(allow("kms:*"))]}, "ImplicitDeny")

# A grant to another account (cross-account: the account's IAM policies must allow too)
X = {"kmsKeyPolicy": default_kp, "grants": [account_grant]}
with_grants(add("account grant: user of that account with an IAM allow", D_GRANTS + " (grantee principal: an AWS account); " + D_CROSS, req("kms:Decrypt", KEY, OTHER_USER, {EC: DOMAIN}), {**X, "identity": [pol(allow("kms:Decrypt", KEY))]}, "Allow", [["identity[0]", 0]]), G)
add("account grant: user of that account without an IAM allow", D_GRANTS + "; " + D_CROSS, req("kms:Decrypt", KEY, OTHER_USER, {EC: DOMAIN}), X, "ImplicitDeny", [], None, "identity")
add("account grant: user of the key's account is not the grantee", D_GRANTS + "; " + D_KMS_DEFAULT, req("kms:Decrypt", KEY, f"arn:aws:iam::{ACCT}:user/alice", {EC: DOMAIN}), X, "ImplicitDeny", [], None, "identity")


def main():
    names = set()
    for c in cases:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
    with open(os.path.join(HERE, "grants.json"), "w") as f:
        json.dump({"file": "grants", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"grants: {len(cases)}")


if __name__ == "__main__":
    main()
