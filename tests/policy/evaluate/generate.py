#!/usr/bin/env python3
"""Writes the evaluation corpus (tests/policy/evaluate/*.json) from the tables below.

Every expected decision here was derived by hand from AWS's documentation (the `doc` field of
each case names the section); nothing is computed by running an evaluator. The script only
expands tables into cases, so that one table row = one reviewed expectation.

Case format (read by tests/policy_evaluate.rs and by any Node runner):
  {
    "name": str, "doc": str,
    "request": {principal, action, resource, resourceAccount?, context?},
    "policies": {identity?: [P], resource?: P, kmsKeyPolicy?: P, boundary?: P,
                 scps?: [P | [P]], rcps?: [P | [P]], session?: P},
    "expect": {decision, statements?: [[policyLabel, index]], missingContextKeys?: [str],
               deniedBy?: str}
  }
where P is a policy document (a JSON object; runners pass JSON.stringify(P) as the text).
`statements`, when present, is the exact set of deciding statements; `missingContextKeys`,
when present, the exact set (case-insensitive) of keys reported missing.

Run: python3 tests/policy/evaluate/generate.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

ACCT = "111122223333"
OTHER = "444455556666"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
BOB_OTHER = f"arn:aws:iam::{OTHER}:user/Bob"
ROOT = f"arn:aws:iam::{ACCT}:root"
AGENT_ROLE = f"arn:aws:iam::{ACCT}:role/Agent"
AGENT_SESSION = f"arn:aws:sts::{ACCT}:assumed-role/Agent/alice"
KEY = f"arn:aws:kms:us-west-2:{ACCT}:key/44444444-3333-2222-1111-EXAMPLE11111"
KEY_OTHER = f"arn:aws:kms:us-west-2:{OTHER}:key/55555555-3333-2222-1111-EXAMPLE22222"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"

# Documentation sections cited by the cases (IAM User Guide unless said otherwise).
D_EVAL = "IAM UG, Policy evaluation logic > Determining whether a request is allowed or denied within an account"
D_INTERPLAY = "IAM UG, Policy evaluation logic > The difference between explicit and implicit denies"
D_EXAMPLE = "IAM UG, Policy evaluation logic > Example identity-based and resource-based policy evaluation"
D_RBP = "IAM UG, Policy evaluation logic > Resource-based policies (same account): principal ARN decides which implicit denies apply"
D_ACTION = "IAM UG, IAM JSON policy elements: Action (action names are case-insensitive; * and ? wildcards)"
D_NOTACTION = "IAM UG, IAM JSON policy elements: NotAction"
D_RESOURCE = "IAM UG, IAM JSON policy elements: Resource (ARNs case-sensitive; wildcards within segments)"
D_NOTRESOURCE = "IAM UG, IAM JSON policy elements: NotResource"
D_COND = "IAM UG, Condition operators"
D_STR = D_COND + " > String condition operators"
D_NUM = D_COND + " > Numeric condition operators"
D_DATE = D_COND + " > Date condition operators (W3C ISO 8601 or epoch)"
D_BOOL = D_COND + " > Boolean condition operators"
D_BIN = D_COND + " > Binary condition operators"
D_IP = D_COND + " > IP address condition operators"
D_ARN = D_COND + " > Amazon Resource Name (ARN) condition operators"
D_IFEXISTS = D_COND + " > ...IfExists condition operators"
D_NULL = D_COND + " > Condition operator to check existence of condition keys (Null)"
D_MISSING = D_COND + " > Important: a key not in the request context does not match (condition false), except negated operators (true)"
D_SET = "IAM UG, Set operators for multivalued context keys (ForAllValues true when the key is absent or empty; ForAnyValue false)"
D_BLOCK = "IAM UG, IAM JSON policy elements: Condition > The condition block (operators and keys ANDed, values ORed)"
D_VAR = "IAM UG, IAM policy elements: Variables and tags"
D_VAR_NOVALUE = D_VAR + " > Policy variables with no value"
D_VAR_SPECIAL = D_VAR + " > Special characters"
D_VAR_DEFAULT = D_VAR + " > Specifying default values"
D_VAR_VERSION = D_VAR + " > variables need Version 2012-10-17; otherwise treated as literal strings"
D_PRINCIPAL = "IAM UG, IAM JSON policy elements: Principal"
D_PRINCIPAL_ACCT = D_PRINCIPAL + " > AWS account principals (delegates to the account's IAM policies)"
D_NOTPRINCIPAL = "IAM UG, IAM JSON policy elements: NotPrincipal"
D_BOUNDARY = "IAM UG, Permissions boundaries for IAM entities"
D_BOUNDARY_NOTPRINCIPAL = D_BOUNDARY + " > Important: NotPrincipal with Deny always denies principals that have a permissions boundary"
D_SESSION = "IAM UG, Policy evaluation logic > Session policies (role session allowed without one; federated user needs one)"
D_SCP = "IAM UG, Policy evaluation logic > Organizations SCPs (apply to principals of member accounts incl. the root user)"
D_SCP_LEVELS = "Organizations UG, SCP evaluation (an Allow is needed at every level from the root to the account)"
D_RCP = "IAM UG, Policy evaluation logic > Organizations RCPs (apply to resources of member accounts; need an applicable Allow)"
D_CROSS = "IAM UG, Cross-account policy evaluation logic (both the trusted and the trusting account must allow)"
D_ROOT = "IAM UG, Policy evaluation logic > all requests implicitly denied except the AWS account root user, which has full access"
D_TRUST = "IAM UG, Policy evaluation logic > role trust policies and KMS key policies must explicitly allow the principal"
D_KMS_ROOT = "KMS DG, Key policies > the key policy is the root of trust; IAM policies count only if the key policy allows the account"
D_KMS_DEFAULT = "KMS DG, Default key policy > allows the AWS account and enables IAM policies"
D_KMS_IAMDENY = "KMS DG, Key policies + IAM UG deny evaluation: an explicit Deny in an IAM policy applies to KMS keys"
D_KMS_VIA = "KMS DG, Condition keys > kms:ViaService"
D_KMS_EC = "KMS DG, Condition keys > kms:EncryptionContext:context-key (key part case-insensitive, value case-sensitive)"
D_KMS_ECKEYS = "KMS DG, Condition keys > kms:EncryptionContextKeys (multivalued)"
D_KMS_GRANT = "KMS DG, Condition keys > kms:GrantIsForAWSResource, kms:GrantOperations"
D_KMS_CALLER = "KMS DG, Condition keys > kms:CallerAccount"
D_SEED_CONNECT = "seed 000 (Amazon Connect KMS integration: connect.amazonaws.com needs Encrypt/Decrypt/GenerateDataKey/DescribeKey)"
D_SEED_VOICEID = "seed 003 (Voice ID key policy: CreateGrant/Decrypt/DescribeKey via kms:ViaService voiceid.<region>.amazonaws.com)"
D_SEED_VOICEID_EC = "seed 003 (Voice ID encryption context aws:voiceid:domain:arn in a CreateGrant key-policy condition)"
D_CONFUSED = "IAM UG, The confused deputy problem (aws:SourceArn / aws:SourceAccount on service principals)"
D_CONTEXT_KEYS = "IAM UG, AWS global condition context keys (aws:username for IAM users; aws:PrincipalAccount; key names case-insensitive)"


def pol(*stmts, version="2012-10-17"):
    p = {"Statement": list(stmts)}
    if version is not None:
        p = {"Version": version, **p}
    return p


def st(effect, action, resource="*", sid=None, **extra):
    s = {}
    if sid:
        s["Sid"] = sid
    s["Effect"] = effect
    if action is not None:
        s["Action"] = action
    if resource is not None:
        s["Resource"] = resource
    s.update(extra)
    return s


def allow(action, resource="*", **kw):
    return st("Allow", action, resource, **kw)


def deny(action, resource="*", **kw):
    return st("Deny", action, resource, **kw)


def req(action, resource="*", principal=ALICE, context=None, resource_account=None):
    r = {"principal": principal, "action": action, "resource": resource}
    if resource_account:
        r["resourceAccount"] = resource_account
    if context:
        r["context"] = context
    return r


def case(name, doc, request, policies, decision, statements=None, missing=None, denied_by=None):
    expect = {"decision": decision}
    if statements is not None:
        expect["statements"] = [list(s) for s in statements]
    if missing is not None:
        expect["missingContextKeys"] = missing
    if denied_by is not None:
        expect["deniedBy"] = denied_by
    return {"name": name, "doc": doc, "request": request, "policies": policies, "expect": expect}


FILES = {}


def add(file, c):
    FILES.setdefault(file, []).append(c)


ALLOW_ALL = pol(allow("*", "*"))

# ---------------------------------------------------------------------------------------------
# basics: actions, resources, explicit vs implicit deny
# ---------------------------------------------------------------------------------------------
B = "basics"
get_obj = pol(allow("s3:GetObject", f"{BUCKET}/*"))
add(B, case("allow exact action and resource wildcard", D_EVAL, req("s3:GetObject", f"{BUCKET}/a.txt"), {"identity": [get_obj]}, "Allow", [["identity[0]", 0]], []))
add(B, case("other action is implicitly denied", D_INTERPLAY, req("s3:PutObject", f"{BUCKET}/a.txt"), {"identity": [get_obj]}, "ImplicitDeny", [], denied_by="identity"))
add(B, case("other bucket is implicitly denied", D_RESOURCE, req("s3:GetObject", "arn:aws:s3:::other-bucket/a.txt"), {"identity": [get_obj]}, "ImplicitDeny"))
add(B, case("no policies: implicit deny", D_INTERPLAY, req("s3:GetObject", f"{BUCKET}/a.txt"), {}, "ImplicitDeny", [], [], "identity"))
add(B, case("empty statement list", D_INTERPLAY, req("s3:GetObject", f"{BUCKET}/a.txt"), {"identity": [{"Version": "2012-10-17", "Statement": []}]}, "ImplicitDeny"))
add(B, case("single statement object (not an array)", "IAM UG, Grammar of the IAM JSON policy language (Statement: object or array)", req("s3:GetObject", f"{BUCKET}/x"), {"identity": [{"Version": "2012-10-17", "Statement": allow("s3:GetObject", f"{BUCKET}/*")}]}, "Allow", [["identity[0]", 0]]))
for pat, action, want in [
    ("S3:getobject", "s3:GetObject", "Allow"),
    ("s3:GetObject", "S3:GETOBJECT", "Allow"),
    ("s3:Get*", "s3:GetObject", "Allow"),
    ("s3:Get*", "s3:GetBucketPolicy", "Allow"),
    ("s3:Get*", "s3:PutObject", "ImplicitDeny"),
    ("s3:*Object", "s3:PutObject", "Allow"),
    ("s3:*Object", "s3:PutObjectAcl", "ImplicitDeny"),
    ("s3:?etObject", "s3:GetObject", "Allow"),
    ("s3:?etObject", "s3:GGetObject", "ImplicitDeny"),
    ("*", "iam:CreateUser", "Allow"),
    ("s3:*", "s3express:CreateSession", "ImplicitDeny"),
    ("kms:Generate*", "kms:GenerateDataKeyWithoutPlaintext", "Allow"),
    ("kms:GenerateDataKey", "kms:GenerateDataKeyPair", "ImplicitDeny"),
    ("connect:*ContactFlow*", "connect:DescribeContactFlow", "Allow"),
    ("connect:*ContactFlow*", "connect:ListContactFlows", "Allow"),
    ("connect:*ContactFlow*", "connect:DescribeQueue", "ImplicitDeny"),
]:
    add(B, case(f"action {pat} vs {action}", D_ACTION, req(action, "*"), {"identity": [pol(allow(pat, "*"))]}, want))
add(B, case("action list: any item matches", D_ACTION, req("kms:Decrypt"), {"identity": [pol(allow(["kms:Encrypt", "kms:Decrypt"]))]}, "Allow"))
# IAM UG example "AllowGetList" / "DenyReports"
get_list = pol(allow(["iam:Get*", "iam:List*"], "*", sid="AllowGetList"), deny("iam:*Report", "*", sid="DenyReports"))
add(B, case("iam:Get* allowed", D_INTERPLAY, req("iam:GetUser", f"arn:aws:iam::{ACCT}:user/bob"), {"identity": [get_list]}, "Allow", [["identity[0]", 0]]))
add(B, case("iam:CreatePolicy implicitly denied", D_INTERPLAY, req("iam:CreatePolicy"), {"identity": [get_list]}, "ImplicitDeny"))
add(B, case("iam:GetOrganizationsAccessReport explicitly denied", D_INTERPLAY, req("iam:GetOrganizationsAccessReport"), {"identity": [get_list]}, "ExplicitDeny", [["identity[0]", 1]]))
add(B, case("deny wins over another policy's allow", D_INTERPLAY, req("iam:GenerateCredentialReport"), {"identity": [get_list, pol(allow("iam:GenerateCredentialReport"))]}, "ExplicitDeny", [["identity[0]", 1]]))
add(B, case("allows across policies are a union", D_EVAL, req("s3:PutObject", f"{BUCKET}/x"), {"identity": [get_obj, pol(allow("s3:PutObject", f"{BUCKET}/*"))]}, "Allow", [["identity[1]", 0]]))
add(B, case("all applicable denies are reported", D_EVAL, req("s3:DeleteObject", f"{BUCKET}/x"), {"identity": [pol(allow("s3:*"), deny("s3:Delete*", sid="D1")), pol(deny("s3:DeleteObject", f"{BUCKET}/*", sid="D2"))]}, "ExplicitDeny", [["identity[0]", 1], ["identity[1]", 0]]))
# Carlos example
carlos = "arn:aws:iam::123456789012:user/carlossalazar"
carlos_id = pol(
    allow(["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"], "arn:aws:s3:::*", sid="AllowS3ListRead"),
    allow("s3:*", ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"], sid="AllowS3Self"),
    deny("s3:*", "arn:aws:s3:::*log*", sid="DenyS3Logs"),
)
carlos_bucket = pol({"Effect": "Allow", "Principal": {"AWS": carlos}, "Action": "s3:*", "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]})
add(B, case("Carlos: save to carlossalazar-logs denied by DenyS3Logs", D_EXAMPLE, req("s3:PutObject", "arn:aws:s3:::carlossalazar-logs/f.txt", carlos, resource_account="123456789012"), {"identity": [carlos_id]}, "ExplicitDeny", [["identity[0]", 2]]))
add(B, case("Carlos: save to own bucket allowed by both policies", D_EXAMPLE, req("s3:PutObject", "arn:aws:s3:::carlossalazar/f.txt", carlos, resource_account="123456789012"), {"identity": [carlos_id], "resource": carlos_bucket}, "Allow"))
add(B, case("Carlos: list all buckets", D_EXAMPLE, req("s3:ListAllMyBuckets", "arn:aws:s3:::*", carlos), {"identity": [carlos_id]}, "Allow", [["identity[0]", 0]]))
add(B, case("Carlos: bucket policy alone grants in the same account", D_EXAMPLE + " (either policy allowing is enough)", req("s3:GetObject", "arn:aws:s3:::carlossalazar/f.txt", carlos, resource_account="123456789012"), {"resource": carlos_bucket}, "Allow", [["resource", 0]]))
# NotAction / NotResource
add(B, case("Allow NotAction iam:* grants s3", D_NOTACTION, req("s3:GetObject", f"{BUCKET}/x"), {"identity": [pol(st("Allow", None, "*", NotAction="iam:*"))]}, "Allow"))
add(B, case("Allow NotAction iam:* does not grant iam", D_NOTACTION, req("iam:CreateUser"), {"identity": [pol(st("Allow", None, "*", NotAction="iam:*"))]}, "ImplicitDeny"))
add(B, case("NotAction is case-insensitive too", D_NOTACTION, req("IAM:createuser"), {"identity": [pol(st("Allow", None, "*", NotAction="iam:*"))]}, "ImplicitDeny"))
add(B, case("Deny NotAction denies everything else", D_NOTACTION, req("s3:GetObject", f"{BUCKET}/x"), {"identity": [ALLOW_ALL, pol(st("Deny", None, "*", NotAction=["iam:*", "sts:*"]))]}, "ExplicitDeny", [["identity[1]", 0]]))
add(B, case("Deny NotAction leaves listed actions", D_NOTACTION, req("iam:ListUsers"), {"identity": [ALLOW_ALL, pol(st("Deny", None, "*", NotAction=["iam:*", "sts:*"]))]}, "Allow"))
notres = pol(st("Allow", "s3:*", None, NotResource=["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"]))
add(B, case("Allow NotResource grants other resources", D_NOTRESOURCE, req("s3:GetObject", f"{BUCKET}/x"), {"identity": [notres]}, "Allow"))
add(B, case("Allow NotResource excludes listed", D_NOTRESOURCE, req("s3:GetObject", "arn:aws:s3:::secret/x"), {"identity": [notres]}, "ImplicitDeny"))
deny_notres = pol(st("Deny", "s3:*", None, NotResource=[BUCKET, f"{BUCKET}/*"]))
add(B, case("Deny NotResource denies other buckets", D_NOTRESOURCE, req("s3:GetObject", "arn:aws:s3:::other/x"), {"identity": [pol(allow("s3:*")), deny_notres]}, "ExplicitDeny"))
add(B, case("Deny NotResource spares own bucket", D_NOTRESOURCE, req("s3:GetObject", f"{BUCKET}/x"), {"identity": [pol(allow("s3:*")), deny_notres]}, "Allow"))
for pat, res, want in [
    ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", "ImplicitDeny"),
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", "Allow"),
    ("arn:aws:s3:::bucket/file?.txt", "arn:aws:s3:::bucket/file1.txt", "Allow"),
    ("arn:aws:s3:::bucket/file?.txt", "arn:aws:s3:::bucket/file10.txt", "ImplicitDeny"),
    ("arn:aws:dynamodb:*:111122223333:table/Books", "arn:aws:dynamodb:us-east-1:111122223333:table/Books", "Allow"),
    ("arn:aws:dynamodb:*:111122223333:table/Books", "arn:aws:dynamodb:us-east-1:444455556666:table/Books", "ImplicitDeny"),
    ("arn:aws:dynamodb:*:111122223333:table/Books", "arn:aws:dynamodb:us-east-1:111122223333:table/books", "ImplicitDeny"),
    ("arn:aws:kms:*:111122223333:key/*", KEY, "Allow"),
    ("arn:aws:kms:*:111122223333:alias/*", KEY, "ImplicitDeny"),
    ("arn:aws:connect:us-east-1:111122223333:instance/*/contact-flow/*", "arn:aws:connect:us-east-1:111122223333:instance/abc/contact-flow/def", "Allow"),
    ("arn:aws:connect:us-east-1:111122223333:instance/*/contact-flow/*", "arn:aws:connect:us-east-1:111122223333:instance/abc/queue/def", "ImplicitDeny"),
    ("*", "arn:aws:connect:us-east-1:111122223333:instance/abc", "Allow"),
    ("arn:aws:s3:::*", "arn:aws:s3:::any-bucket", "Allow"),
]:
    add(B, case(f"resource {pat} vs {res}", D_RESOURCE, req("svc:Do", res), {"identity": [pol(allow("svc:Do", pat))]}, want))
add(B, case("resource list: any item matches", D_RESOURCE, req("s3:ListBucket", BUCKET), {"identity": [pol(allow("s3:ListBucket", [f"{BUCKET}/*", BUCKET]))]}, "Allow"))
add(B, case("root user of the account has full access without policies", D_ROOT, req("s3:DeleteBucket", BUCKET, ROOT, resource_account=ACCT), {}, "Allow", []))
add(B, case("root by bare account id", D_ROOT, req("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCT}:instance/*", ACCT), {}, "Allow"))
# Amazon Connect RBAC (seed 000)
connect_view = pol(allow(["connect:DescribeContactFlow", "connect:ListContactFlows"], "*"))
add(B, case("seed: view contact flows policy allows DescribeContactFlow", "seed 000 (Example IAM policy to allow viewing contact flows)", req("connect:DescribeContactFlow", f"arn:aws:connect:us-east-1:{ACCT}:instance/i-1/contact-flow/f-1", AGENT_SESSION), {"identity": [connect_view]}, "Allow"))
add(B, case("seed: view contact flows policy does not allow UpdateContactFlowContent", "seed 000 (least privilege)", req("connect:UpdateContactFlowContent", f"arn:aws:connect:us-east-1:{ACCT}:instance/i-1/contact-flow/f-1", AGENT_SESSION), {"identity": [connect_view]}, "ImplicitDeny"))

# ---------------------------------------------------------------------------------------------
# conditions: every operator family (tables: operator, key, policy values, context value or
# None for absent, expected match)
# ---------------------------------------------------------------------------------------------
C = "conditions"
COND_TABLE = [
    # String (IAM UG tables)
    (D_STR, "StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin", "iamuser-admin", True),
    (D_STR, "StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin", "dev-ops", False),
    (D_STR + "; " + D_MISSING, "StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin", None, False),
    (D_STR + " (case sensitive)", "StringEquals", "aws:PrincipalTag/team", "Admin", "admin", False),
    (D_BLOCK + " (values ORed)", "StringEquals", "aws:RequestedRegion", ["us-east-1", "us-west-2"], "us-west-2", True),
    (D_BLOCK + " (values ORed)", "StringEquals", "aws:RequestedRegion", ["us-east-1", "us-west-2"], "eu-west-1", False),
    (D_STR, "StringEqualsIgnoreCase", "aws:PrincipalTag/team", "Admin", "admin", True),
    (D_STR, "StringEqualsIgnoreCase", "aws:RequestTag/environment", ["preprod", "storage"], "PreProd", True),
    (D_STR, "StringEqualsIgnoreCase", "aws:RequestTag/environment", ["preprod", "storage"], "prod", False),
    (D_STR, "StringNotEquals", "aws:PrincipalTag/team", "red", "blue", True),
    (D_STR, "StringNotEquals", "aws:PrincipalTag/team", "red", "red", False),
    (D_MISSING, "StringNotEquals", "aws:PrincipalTag/team", "red", None, True),
    (D_COND + " (negated operator with several values: none may match)", "StringNotEquals", "aws:PrincipalTag/team", ["red", "blue"], "blue", False),
    (D_COND + " (negated operator with several values: none may match)", "StringNotEquals", "aws:PrincipalTag/team", ["red", "blue"], "green", True),
    (D_STR, "StringNotEqualsIgnoreCase", "aws:PrincipalTag/env", "PROD", "prod", False),
    (D_STR, "StringNotEqualsIgnoreCase", "aws:PrincipalTag/env", "PROD", "dev", True),
    (D_STR, "StringLike", "s3:prefix", "home/*", "home/alice/docs", True),
    (D_STR, "StringLike", "s3:prefix", "home/*", "other/alice", False),
    (D_STR, "StringLike", "ec2:InstanceType", "t?.micro", "t2.micro", True),
    (D_STR, "StringLike", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"], "t3.micro", False),
    (D_STR + " (case sensitive)", "StringLike", "s3:prefix", "Home/*", "home/x", False),
    (D_STR + " (no wildcard: whole string)", "StringLike", "s3:prefix", "home", "home/x", False),
    (D_STR, "StringNotLike", "aws:PrincipalTag/project", "*-prod", "app-prod", False),
    (D_STR, "StringNotLike", "aws:PrincipalTag/project", "*-prod", "app-dev", True),
    (D_MISSING + " (StringNotLike named in the doc)", "StringNotLike", "aws:PrincipalTag/project", "*-prod", None, True),
    (D_IFEXISTS, "StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"], "t1.micro", True),
    (D_IFEXISTS, "StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"], "m2.micro", False),
    (D_IFEXISTS, "StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"], None, True),
    (D_IFEXISTS, "StringEqualsIfExists", "aws:RequestedRegion", "us-east-1", "us-east-1", True),
    (D_IFEXISTS, "StringNotEqualsIfExists", "aws:RequestedRegion", "us-east-1", None, True),
    (D_IFEXISTS, "StringNotEqualsIfExists", "aws:RequestedRegion", "us-east-1", "us-east-1", False),
    # Numeric
    (D_NUM, "NumericLessThanEquals", "s3:max-keys", "10", "10", True),
    (D_NUM, "NumericLessThanEquals", "s3:max-keys", "10", "9", True),
    (D_NUM, "NumericLessThanEquals", "s3:max-keys", "10", "11", False),
    (D_NUM + "; " + D_MISSING, "NumericLessThanEquals", "s3:max-keys", "10", None, False),
    (D_NUM + " (not a number never matches)", "NumericLessThanEquals", "s3:max-keys", "10", "ten", False),
    (D_NUM + " (JSON number in policy)", "NumericLessThanEquals", "s3:max-keys", 10, "5", True),
    (D_NUM, "NumericEquals", "s3:max-keys", "10", "10", True),
    (D_NUM + " (decimal value)", "NumericEquals", "s3:max-keys", "10", "10.0", True),
    (D_NUM, "NumericEquals", "s3:max-keys", ["1", "2"], "2", True),
    (D_NUM, "NumericNotEquals", "s3:max-keys", "10", "10", False),
    (D_NUM, "NumericNotEquals", "s3:max-keys", "10", "11", True),
    (D_MISSING, "NumericNotEquals", "s3:max-keys", "10", None, True),
    (D_NUM, "NumericLessThan", "s3:max-keys", "10", "9.5", True),
    (D_NUM, "NumericLessThan", "s3:max-keys", "10", "10", False),
    (D_NUM, "NumericGreaterThan", "s3:max-keys", "10", "10", False),
    (D_NUM, "NumericGreaterThan", "s3:max-keys", "10", "10.5", True),
    (D_NUM, "NumericGreaterThanEquals", "s3:max-keys", "10", "10", True),
    (D_NUM, "NumericGreaterThanEquals", "s3:max-keys", "-1", "-2", False),
    (D_IFEXISTS, "NumericLessThanIfExists", "s3:max-keys", "10", None, True),
    (D_IFEXISTS, "NumericLessThanIfExists", "s3:max-keys", "10", "100", False),
    # Date
    (D_DATE, "DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z", "2020-06-01T00:00:00Z", True),
    (D_DATE, "DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z", "2019-12-31T23:59:59Z", False),
    (D_DATE + " (IAM user with access keys has no aws:TokenIssueTime)", "DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z", None, False),
    (D_DATE, "DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z", "2026-11-23T10:00:00Z", True),
    (D_DATE, "DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z", False),
    (D_DATE + " (epoch policy value 1893456000 = 2030-01-01Z)", "DateLessThan", "aws:CurrentTime", "1893456000", "2026-11-23T10:00:00Z", True),
    (D_DATE + " (aws:EpochTime 1700000000 = 2023-11-14T22:13:20Z)", "DateGreaterThan", "aws:EpochTime", "2023-01-01T00:00:00Z", "1700000000", True),
    (D_DATE + " (aws:EpochTime 1700000000 = 2023-11-14T22:13:20Z)", "DateLessThan", "aws:EpochTime", "2023-11-14T22:13:20Z", "1700000000", False),
    (D_DATE + " (same instant in another zone)", "DateEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2020-01-01T01:00:00+01:00", True),
    (D_DATE, "DateEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", False),
    (D_DATE, "DateNotEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", False),
    (D_MISSING, "DateNotEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z", None, True),
    (D_DATE, "DateLessThanEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", True),
    (D_DATE + " (date-only W3C form)", "DateGreaterThanEquals", "aws:CurrentTime", "2020-01-01", "2020-01-01T00:00:00Z", True),
    (D_DATE + " (date-only W3C form)", "DateGreaterThanEquals", "aws:CurrentTime", "2020-01-02", "2020-01-01T23:59:59Z", False),
    (D_DATE + " (fractional seconds)", "DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00.500Z", "2020-01-01T00:00:00.250Z", True),
    (D_DATE + " (not a date never matches)", "DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z", "yesterday", False),
    (D_IFEXISTS, "DateLessThanIfExists", "aws:MultiFactorAuthAge", "3600", None, True),
    # Bool
    (D_BOOL, "Bool", "aws:SecureTransport", "false", "false", True),
    (D_BOOL, "Bool", "aws:SecureTransport", "false", "true", False),
    (D_BOOL + "; " + D_MISSING, "Bool", "aws:SecureTransport", "false", None, False),
    (D_BOOL + " (JSON boolean values)", "Bool", "aws:SecureTransport", True, True, True),
    (D_BOOL, "Bool", "aws:MultiFactorAuthPresent", "true", "false", False),
    (D_IFEXISTS, "BoolIfExists", "aws:MultiFactorAuthPresent", "true", None, True),
    (D_IFEXISTS, "BoolIfExists", "aws:MultiFactorAuthPresent", "true", "false", False),
    # Binary (the guide's example names its key `key`, which is not `prefix:name`: a policy with it
    # is refused, so the rows name a service key of the request's service instead)
    (D_BIN, "BinaryEquals", "svc:BinaryValue", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", True),
    (D_BIN, "BinaryEquals", "svc:BinaryValue", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", "ASIAIOSFODNN7EXAMPLE", False),
    (D_BIN, "BinaryEquals", "svc:BinaryValue", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", None, False),
    # IP
    (D_IP, "IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.1", True),
    (D_IP, "IpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", False),
    (D_IP + " (VPC endpoint requests have no aws:SourceIp)", "IpAddress", "aws:SourceIp", "203.0.113.0/24", None, False),
    (D_IP, "IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:DB8:1234:5678::/64"], "2001:db8:1234:5678::1", True),
    (D_IP, "IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:DB8:1234:5678::/64"], "2001:db8:1234:5679::1", False),
    (D_IP + " (no prefix means /32)", "IpAddress", "aws:SourceIp", "203.0.113.7", "203.0.113.7", True),
    (D_IP + " (no prefix means /32)", "IpAddress", "aws:SourceIp", "203.0.113.7", "203.0.113.8", False),
    (D_IP, "IpAddress", "aws:SourceIp", "2001:DB8::/32", "203.0.113.7", False),
    (D_IP, "IpAddress", "aws:SourceIp", "10.0.0.0/8", "10.255.1.2", True),
    (D_IP, "NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", True),
    (D_IP, "NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.5", False),
    (D_MISSING, "NotIpAddress", "aws:SourceIp", "203.0.113.0/24", None, True),
    (D_IP, "NotIpAddress", "aws:SourceIp", ["203.0.113.0/24", "198.51.100.0/24"], "198.51.100.9", False),
    (D_IFEXISTS, "IpAddressIfExists", "aws:SourceIp", "203.0.113.0/24", None, True),
    # ARN
    (D_ARN, "ArnEquals", "aws:SourceArn", "arn:aws:sns:us-west-2:123456789012:TOPIC-ID", "arn:aws:sns:us-west-2:123456789012:TOPIC-ID", True),
    (D_ARN, "ArnEquals", "aws:SourceArn", "arn:aws:sns:us-west-2:123456789012:TOPIC-ID", "arn:aws:sns:us-west-2:777788889999:TOPIC-ID", False),
    (D_ARN, "ArnEquals", "aws:SourceArn", "arn:aws:sns:us-west-2:123456789012:TOPIC-ID", None, False),
    (D_ARN + " (case sensitive)", "ArnEquals", "aws:SourceArn", "arn:aws:sns:us-west-2:123456789012:TOPIC-ID", "arn:aws:sns:us-west-2:123456789012:topic-id", False),
    (D_ARN, "ArnLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", "arn:aws:sns:us-east-1:123456789012:t", True),
    (D_ARN + " (ArnEquals and ArnLike behave identically)", "ArnEquals", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", "arn:aws:sns:us-east-1:123456789012:t", True),
    (D_ARN, "ArnLike", "aws:SourceArn", "arn:aws:connect:us-east-1:111122223333:instance/*", "arn:aws:connect:us-east-1:111122223333:instance/abc", True),
    (D_ARN, "ArnLike", "aws:SourceArn", "arn:aws:connect:us-east-1:111122223333:instance/*", "arn:aws:connect:us-east-1:444455556666:instance/abc", False),
    (D_ARN + " (each of the six components is checked separately)", "ArnLike", "aws:SourceArn", "arn:aws:sns:*:TOPIC", "arn:aws:sns:us-east-1:123456789012:TOPIC", False),
    (D_ARN, "ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Admin?", "arn:aws:iam::111122223333:role/Admin1", True),
    (D_ARN, "ArnNotEquals", "aws:SourceArn", "arn:aws:sns:us-west-2:123456789012:TOPIC-ID", "arn:aws:sns:us-west-2:123456789012:OTHER", True),
    (D_ARN, "ArnNotEquals", "aws:SourceArn", "arn:aws:sns:us-west-2:123456789012:TOPIC-ID", "arn:aws:sns:us-west-2:123456789012:TOPIC-ID", False),
    (D_MISSING + " (ArnNotLike named in the doc)", "ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", None, True),
    (D_ARN, "ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", "arn:aws:sns:eu-west-1:123456789012:x", False),
    (D_IFEXISTS, "ArnLikeIfExists", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", None, True),
    # Null
    (D_NULL, "Null", "aws:TokenIssueTime", "false", "2020-01-01T00:00:00Z", True),
    (D_NULL, "Null", "aws:TokenIssueTime", "false", None, False),
    (D_NULL, "Null", "aws:TokenIssueTime", "true", None, True),
    (D_NULL, "Null", "aws:TokenIssueTime", "true", "2020-01-01T00:00:00Z", False),
    (D_NULL + " (JSON boolean)", "Null", "aws:RequestTag/CostCenter", True, None, True),
]


def short(v):
    return json.dumps(v) if not isinstance(v, str) else v


for doc, op, key, pv, cv, want in COND_TABLE:
    ctx = {key: cv} if cv is not None else None
    missing = [key] if cv is None else []
    cond = {op: {key: pv}}
    add(C, case(f"Allow {op} {key}={short(pv)} ctx={short(cv)}", doc, req("svc:Do", context=ctx), {"identity": [pol(allow("svc:Do", Condition=cond))]}, "Allow" if want else "ImplicitDeny", [["identity[0]", 0]] if want else [], missing))
    # The same comparison in a Deny statement next to an allow-all (a Deny applies when met).
    add(C, case(f"Deny {op} {key}={short(pv)} ctx={short(cv)}", doc, req("svc:Do", context=ctx), {"identity": [ALLOW_ALL, pol(deny("svc:Do", Condition=cond))]}, "ExplicitDeny" if want else "Allow", [["identity[1]", 0]] if want else [["identity[0]", 0]], missing))

# Condition blocks: ANDs and key-name case
both = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}, "Bool": {"aws:SecureTransport": "true"}}
add(C, case("operators ANDed: both met", D_BLOCK, req("svc:Do", context={"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true"}), {"identity": [pol(allow("svc:Do", Condition=both))]}, "Allow"))
add(C, case("operators ANDed: one unmet", D_BLOCK, req("svc:Do", context={"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "false"}), {"identity": [pol(allow("svc:Do", Condition=both))]}, "ImplicitDeny"))
add(C, case("operators ANDed: one key missing", D_BLOCK + "; " + D_MISSING, req("svc:Do", context={"aws:RequestedRegion": "us-east-1"}), {"identity": [pol(allow("svc:Do", Condition=both))]}, "ImplicitDeny", [], ["aws:SecureTransport"]))
two_keys = {"StringEquals": {"aws:PrincipalTag/team": "red", "aws:RequestedRegion": "us-east-1"}}
add(C, case("keys in one operator ANDed", D_BLOCK, req("svc:Do", context={"aws:PrincipalTag/team": "red", "aws:RequestedRegion": "eu-west-1"}), {"identity": [pol(allow("svc:Do", Condition=two_keys))]}, "ImplicitDeny"))
add(C, case("keys in one operator ANDed: both met", D_BLOCK, req("svc:Do", context={"aws:PrincipalTag/team": "red", "aws:RequestedRegion": "us-east-1"}), {"identity": [pol(allow("svc:Do", Condition=two_keys))]}, "Allow"))
add(C, case("condition key names are case-insensitive", D_CONTEXT_KEYS, req("svc:Do", context={"AWS:SOURCEVPC": "vpc-111bbb22"}), {"identity": [pol(allow("svc:Do", Condition={"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}}))]}, "Allow", None, []))
add(C, case("condition values are case-sensitive", D_STR, req("svc:Do", context={"aws:SourceVpc": "VPC-111BBB22"}), {"identity": [pol(allow("svc:Do", Condition={"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}}))]}, "ImplicitDeny"))
deny_http = pol(deny("s3:*", [BUCKET, f"{BUCKET}/*"], sid="BooleanExample", Condition={"Bool": {"aws:SecureTransport": "false"}}))
add(C, case("deny replication over plain HTTP", D_BOOL, req("s3:ReplicateObject", f"{BUCKET}/x", context={"aws:SecureTransport": "false"}), {"identity": [pol(allow("s3:*")), deny_http]}, "ExplicitDeny", [["identity[1]", 0]]))
add(C, case("IfExists with Deny and negated operator still denies when key missing", D_IFEXISTS + " (Deny + StringNotEqualsIfExists: denied even if the key is not present)", req("svc:Do"), {"identity": [ALLOW_ALL, pol(deny("svc:Do", Condition={"StringNotEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}))]}, "ExplicitDeny", None, ["aws:RequestedRegion"]))
mfa_deny = pol(deny("*", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))
add(C, case("deny without MFA: long-term keys (key absent) are denied", D_IFEXISTS, req("ec2:StopInstances"), {"identity": [ALLOW_ALL, mfa_deny]}, "ExplicitDeny"))
add(C, case("deny without MFA: MFA present passes", D_IFEXISTS, req("ec2:StopInstances", context={"aws:MultiFactorAuthPresent": "true"}), {"identity": [ALLOW_ALL, mfa_deny]}, "Allow"))

# ---------------------------------------------------------------------------------------------
# set operators
# ---------------------------------------------------------------------------------------------
S = "set_operators"
tags_cond = {"StringEqualsIgnoreCase": {"aws:RequestTag/environment": ["preprod", "storage"]}, "ForAnyValue:StringEquals": {"aws:TagKeys": "environment"}}
tags_policy = pol(allow("ec2:CreateTags", "arn:aws:ec2:*:*:instance/*", Condition=tags_cond))
INST = f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-123"
for ctx, want, note in [
    ({"aws:TagKeys": ["environment"], "aws:RequestTag/environment": "preprod"}, "Allow", "row 1"),
    ({"aws:TagKeys": ["environment", "costcenter"], "aws:RequestTag/environment": "PreProd"}, "Allow", "row 2"),
    ({"aws:TagKeys": ["Environment"], "aws:RequestTag/Environment": "preprod"}, "ImplicitDeny", "row 3"),
    ({"aws:TagKeys": ["costcenter"], "aws:RequestTag/environment": "preprod"}, "ImplicitDeny", "row 4"),
    ({"aws:RequestTag/environment": "storage"}, "ImplicitDeny", "row 5"),
    ({"aws:TagKeys": ["environment"]}, "ImplicitDeny", "row 6"),
    ({}, "ImplicitDeny", "row 7"),
]:
    add(S, case(f"ForAnyValue tag keys example {note}", D_STR + " > Example using ForAnyValue (table " + note + ")", req("ec2:CreateTags", INST, context=ctx or None), {"identity": [tags_policy]}, want))
logs_cond = {"ForAllValues:ArnLike": {"logs:LogGeneratingResourceArns": ["arn:aws:cloudfront::123456789012:distribution/*", "arn:aws:cloudfront::123456789012:distribution/support*"]}}
logs_policy = pol({"Effect": "Allow", "Action": "logs:PutDeliverySource", "Resource": "arn:aws:logs:us-east-1:123456789012:delivery-source:*", "Condition": logs_cond})
DS = "arn:aws:logs:us-east-1:123456789012:delivery-source:src"
for vals, want, note in [
    (["arn:aws:cloudfront::123456789012:distribution/costcenter"], "Allow", "all match"),
    (["arn:aws:cloudfront::123456789012:distribution/costcenter", "arn:aws:cloudfront::123456789012:distribution/support2025"], "Allow", "two values, all match"),
    (["arn:aws:cloudfront::777788889999:distribution/costcenter"], "ImplicitDeny", "other account"),
    (None, "Allow", "key absent: ForAllValues is true"),
    (["arn:aws:cloudfront::123456789012:distribution/a", "arn:aws:cloudfront::777788889999:distribution/b"], "ImplicitDeny", "one value outside"),
]:
    ctx = {"logs:LogGeneratingResourceArns": vals} if vals is not None else None
    add(S, case(f"ForAllValues:ArnLike ({note})", D_ARN + " > Example using ForAllValues with an ARN condition operator", req("logs:PutDeliverySource", DS, "arn:aws:iam::123456789012:user/u", ctx), {"identity": [logs_policy]}, want))
SET_TABLE = [
    ("ForAllValues:StringEquals", ["environment", "costcenter"], ["environment"], True),
    ("ForAllValues:StringEquals", ["environment", "costcenter"], ["environment", "costcenter"], True),
    ("ForAllValues:StringEquals", ["environment", "costcenter"], ["environment", "owner"], False),
    ("ForAllValues:StringEquals", ["environment", "costcenter"], None, True),
    ("ForAllValues:StringEquals", ["environment", "costcenter"], [], True),
    ("ForAnyValue:StringEquals", ["environment", "costcenter"], None, False),
    ("ForAnyValue:StringEquals", ["environment", "costcenter"], [], False),
    ("ForAnyValue:StringEquals", ["environment", "costcenter"], ["owner", "environment"], True),
    ("ForAnyValue:StringEquals", ["environment", "costcenter"], ["owner"], False),
    ("ForAnyValue:StringNotEquals", ["environment"], ["environment"], False),
    ("ForAnyValue:StringNotEquals", ["environment"], ["environment", "owner"], True),
    ("ForAllValues:StringNotEquals", ["secret"], ["a", "b"], True),
    ("ForAllValues:StringNotEquals", ["secret"], ["a", "secret"], False),
    ("ForAllValues:StringNotEquals", ["secret"], None, True),
    ("ForAllValues:StringLike", ["team-*"], ["team-a", "team-b"], True),
    ("ForAllValues:StringLike", ["team-*"], ["team-a", "owner"], False),
    ("ForAnyValue:StringLike", ["team-*"], ["owner", "team-b"], True),
    ("ForAnyValue:StringLike", ["team-*"], ["owner"], False),
    ("ForAllValues:StringNotLike", ["tmp-*"], ["a", "b"], True),
    ("ForAllValues:StringNotLike", ["tmp-*"], ["a", "tmp-1"], False),
    ("ForAnyValue:StringNotLike", ["tmp-*"], ["tmp-1", "b"], True),
    ("ForAnyValue:StringNotLike", ["tmp-*"], ["tmp-1"], False),
    ("ForAllValues:StringEqualsIgnoreCase", ["environment"], ["ENVIRONMENT", "Environment"], True),
    ("ForAnyValue:StringEqualsIfExists", ["environment"], None, True),
]
for op, pv, cv, want in SET_TABLE:
    ctx = {"aws:TagKeys": cv} if cv is not None else None
    missing = ["aws:TagKeys"] if not cv else []
    add(S, case(f"{op} {pv} ctx={cv}", D_SET + ("; " + D_IFEXISTS if "IfExists" in op else ""), req("svc:Do", context=ctx), {"identity": [pol(allow("svc:Do", Condition={op: {"aws:TagKeys": pv}}))]}, "Allow" if want else "ImplicitDeny", None, missing))
guard = {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment"]}, "Null": {"aws:TagKeys": "false"}}
add(S, case("ForAllValues guarded by Null false: absent key no longer passes", D_SET + "; " + D_NULL, req("svc:Do"), {"identity": [pol(allow("svc:Do", Condition=guard))]}, "ImplicitDeny", None, ["aws:TagKeys"]))
add(S, case("ForAllValues guarded by Null false: present key passes", D_SET + "; " + D_NULL, req("svc:Do", context={"aws:TagKeys": ["environment"]}), {"identity": [pol(allow("svc:Do", Condition=guard))]}, "Allow", None, []))
add(S, case("ForAllValues:Bool all true", D_BOOL + " (ForAllValues:Bool)", req("svc:Do", context={"svc:Flags": ["true", "true"]}), {"identity": [pol(allow("svc:Do", Condition={"ForAllValues:Bool": {"svc:Flags": "true"}}))]}, "Allow"))
add(S, case("ForAllValues:Bool one false", D_BOOL + " (ForAllValues:Bool)", req("svc:Do", context={"svc:Flags": ["true", "false"]}), {"identity": [pol(allow("svc:Do", Condition={"ForAllValues:Bool": {"svc:Flags": "true"}}))]}, "ImplicitDeny"))
add(S, case("ForAnyValue:Bool one true", D_BOOL + " (ForAnyValue:Bool)", req("svc:Do", context={"svc:Flags": ["false", "true"]}), {"identity": [pol(allow("svc:Do", Condition={"ForAnyValue:Bool": {"svc:Flags": "true"}}))]}, "Allow"))

# ---------------------------------------------------------------------------------------------
# policy variables
# ---------------------------------------------------------------------------------------------
V = "variables"
home = pol(allow("s3:GetObject", [f"{BUCKET}/home/${{aws:username}}", f"{BUCKET}/home/${{aws:username}}/*"]))
add(V, case("${aws:username} in Resource: own home", D_VAR + "; " + D_CONTEXT_KEYS, req("s3:GetObject", f"{BUCKET}/home/alice/notes.txt", resource_account=ACCT), {"identity": [home]}, "Allow", None, []))
add(V, case("${aws:username} in Resource: other home", D_VAR, req("s3:GetObject", f"{BUCKET}/home/bob/notes.txt", resource_account=ACCT), {"identity": [home]}, "ImplicitDeny"))
add(V, case("${aws:username} absent for a role session: matches nothing", D_VAR_NOVALUE + " (a Resource with a variable with no value matches no resource)", req("s3:GetObject", f"{BUCKET}/home/alice/notes.txt", AGENT_SESSION, resource_account=ACCT), {"identity": [home]}, "ImplicitDeny", [], ["aws:username"]))
add(V, case("${aws:username} given explicitly in context", D_VAR, req("s3:GetObject", f"{BUCKET}/home/carol/x", AGENT_SESSION, {"aws:username": "carol"}, ACCT), {"identity": [home]}, "Allow"))
add(V, case("variable names are case-insensitive", D_VAR + " (Key names are case-insensitive)", req("s3:GetObject", f"{BUCKET}/home/alice/x", resource_account=ACCT), {"identity": [pol(allow("s3:GetObject", f"{BUCKET}/home/${{AWS:UserName}}/*"))]}, "Allow"))
team = pol(allow("s3:GetObject", f"arn:aws:s3:::amzn-s3-demo-bucket-${{aws:PrincipalTag/team, 'company-wide'}}/*"))
add(V, case("default value unused when tag present", D_VAR_DEFAULT, req("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket-yellow/x", context={"aws:PrincipalTag/team": "yellow"}), {"identity": [team]}, "Allow"))
add(V, case("default value when tag absent", D_VAR_DEFAULT, req("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket-company-wide/x"), {"identity": [team]}, "Allow"))
add(V, case("default value does not open other team buckets", D_VAR_DEFAULT, req("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket-yellow/x"), {"identity": [team]}, "ImplicitDeny"))
add(V, case("tag value decides the bucket", D_VAR_DEFAULT, req("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket-company-wide/x", context={"aws:PrincipalTag/team": "yellow"}), {"identity": [team]}, "ImplicitDeny"))
prefix = pol(allow("s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}))
add(V, case("variable in StringLike: own prefix", D_STR + " > Example using a policy variable", req("s3:ListBucket", BUCKET, context={"s3:prefix": "home/alice/"}, resource_account=ACCT), {"identity": [prefix]}, "Allow"))
add(V, case("variable in StringLike: other prefix", D_STR + " > Example using a policy variable", req("s3:ListBucket", BUCKET, context={"s3:prefix": "home/bob/"}, resource_account=ACCT), {"identity": [prefix]}, "ImplicitDeny"))
add(V, case("variable in StringLike: empty prefix listed", D_STR + " > Example using a policy variable", req("s3:ListBucket", BUCKET, context={"s3:prefix": ""}, resource_account=ACCT), {"identity": [prefix]}, "Allow"))
owner = pol(allow("s3:GetObject", "*", sid="AllowUnlessOwnedBySomeoneElse", Condition={"StringEquals": {"s3:ExistingObjectTag/owner": "${aws:PrincipalTag/owner}"}}))
add(V, case("tag-to-tag comparison equal", D_VAR, req("s3:GetObject", f"{BUCKET}/x", context={"s3:ExistingObjectTag/owner": "alice", "aws:PrincipalTag/owner": "alice"}), {"identity": [owner]}, "Allow"))
add(V, case("tag-to-tag comparison different", D_VAR, req("s3:GetObject", f"{BUCKET}/x", context={"s3:ExistingObjectTag/owner": "bob", "aws:PrincipalTag/owner": "alice"}), {"identity": [owner]}, "ImplicitDeny"))
add(V, case("variable with no value: StringEquals does not match", D_VAR_NOVALUE, req("s3:GetObject", f"{BUCKET}/x", context={"s3:ExistingObjectTag/owner": "alice"}), {"identity": [owner]}, "ImplicitDeny", [], ["aws:PrincipalTag/owner"]))
team_deny = pol(deny("s3:GetObject", f"{BUCKET}/*", Condition={"StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}))
add(V, case("variable with no value: StringNotEquals matches, explicit deny", D_VAR_NOVALUE + " (access is explicitly denied when aws:principaltag/Team is not set)", req("s3:GetObject", f"{BUCKET}/x", context={"s3:ExistingObjectTag/Team": "red"}), {"identity": [ALLOW_ALL, team_deny]}, "ExplicitDeny", [["identity[1]", 0]], ["aws:PrincipalTag/Team"]))
add(V, case("same team: no deny", D_VAR_NOVALUE, req("s3:GetObject", f"{BUCKET}/x", context={"s3:ExistingObjectTag/Team": "red", "aws:PrincipalTag/Team": "red"}), {"identity": [ALLOW_ALL, team_deny]}, "Allow"))
add(V, case("other team: deny", D_VAR_NOVALUE, req("s3:GetObject", f"{BUCKET}/x", context={"s3:ExistingObjectTag/Team": "red", "aws:PrincipalTag/Team": "blue"}), {"identity": [ALLOW_ALL, team_deny]}, "ExplicitDeny"))
old = pol(allow("s3:GetObject", f"{BUCKET}/${{aws:username}}/*"), version="2008-10-17")
add(V, case("Version 2008-10-17: variable is literal text (no substitution)", D_VAR_VERSION, req("s3:GetObject", f"{BUCKET}/alice/x"), {"identity": [old]}, "ImplicitDeny"))
add(V, case("Version 2008-10-17: literal ${...} text matches itself", D_VAR_VERSION, req("s3:GetObject", f"{BUCKET}/${{aws:username}}/x"), {"identity": [old]}, "Allow"))
nover = pol(allow("s3:GetObject", f"{BUCKET}/${{aws:username}}/*"), version=None)
add(V, case("no Version: variable is literal text", D_VAR_VERSION, req("s3:GetObject", f"{BUCKET}/alice/x"), {"identity": [nover]}, "ImplicitDeny"))
add(V, case("${*} is a literal asterisk", D_VAR_SPECIAL, req("s3:GetObject", f"{BUCKET}/*"), {"identity": [pol(allow("s3:GetObject", f"{BUCKET}/${{*}}"))]}, "Allow"))
add(V, case("${*} is not a wildcard", D_VAR_SPECIAL, req("s3:GetObject", f"{BUCKET}/anything"), {"identity": [pol(allow("s3:GetObject", f"{BUCKET}/${{*}}"))]}, "ImplicitDeny"))
add(V, case("${?} is a literal question mark", D_VAR_SPECIAL, req("s3:GetObject", f"{BUCKET}/what?"), {"identity": [pol(allow("s3:GetObject", f"{BUCKET}/what${{?}}"))]}, "Allow"))
add(V, case("${?} is not a single-character wildcard", D_VAR_SPECIAL, req("s3:GetObject", f"{BUCKET}/whatx"), {"identity": [pol(allow("s3:GetObject", f"{BUCKET}/what${{?}}"))]}, "ImplicitDeny"))
add(V, case("${$} is a literal dollar", D_VAR_SPECIAL, req("s3:GetObject", f"{BUCKET}/price$"), {"identity": [pol(allow("s3:GetObject", f"{BUCKET}/price${{$}}"))]}, "Allow"))
add(V, case("${*} in a StringLike condition is literal", D_VAR_SPECIAL + " (usable in any string where variables are)", req("svc:Do", context={"svc:Name": "a*b"}), {"identity": [pol(allow("svc:Do", Condition={"StringLike": {"svc:Name": "a${*}b"}}))]}, "Allow"))
add(V, case("${*} in a StringLike condition does not match other text", D_VAR_SPECIAL, req("svc:Do", context={"svc:Name": "axxb"}), {"identity": [pol(allow("svc:Do", Condition={"StringLike": {"svc:Name": "a${*}b"}}))]}, "ImplicitDeny"))
add(V, case("multivalued key cannot be a variable", D_VAR + " (You can't use a multivalued condition key as a variable)", req("s3:GetObject", f"{BUCKET}/a/x", context={"aws:TagKeys": ["a"]}), {"identity": [pol(allow("s3:GetObject", f"{BUCKET}/${{aws:TagKeys}}/*"))]}, "ImplicitDeny"))
add(V, case("variable in ArnLike condition", D_VAR + " > Condition element (ARN operators)", req("svc:Do", context={"svc:Target": f"arn:aws:iam::{ACCT}:user/x"}), {"identity": [pol(allow("svc:Do", Condition={"ArnLike": {"svc:Target": "arn:aws:iam::${aws:PrincipalAccount}:user/*"}}))]}, "Allow"))
add(V, case("variable in ArnLike condition, other account", D_VAR + " > Condition element (ARN operators)", req("svc:Do", context={"svc:Target": f"arn:aws:iam::{OTHER}:user/x"}), {"identity": [pol(allow("svc:Do", Condition={"ArnLike": {"svc:Target": "arn:aws:iam::${aws:PrincipalAccount}:user/*"}}))]}, "ImplicitDeny"))
add(V, case("several variables in one resource", D_VAR + " > Resource element", req("sns:CreateTopic", f"arn:aws:sns:us-east-1:{ACCT}:crm-api-prod-v2", context={"aws:PrincipalTag/access-project": "crm", "aws:PrincipalTag/access-application": "api", "aws:PrincipalTag/access-environment": "prod"}), {"identity": [pol(allow(["sns:CreateTopic", "sns:DeleteTopic"], "arn:aws:sns:*:*:${aws:PrincipalTag/access-project}-${aws:PrincipalTag/access-application}-${aws:PrincipalTag/access-environment}-*"))]}, "Allow"))
add(V, case("several variables, one missing", D_VAR_NOVALUE, req("sns:CreateTopic", f"arn:aws:sns:us-east-1:{ACCT}:crm-api-prod-v2", context={"aws:PrincipalTag/access-project": "crm", "aws:PrincipalTag/access-application": "api"}), {"identity": [pol(allow(["sns:CreateTopic", "sns:DeleteTopic"], "arn:aws:sns:*:*:${aws:PrincipalTag/access-project}-${aws:PrincipalTag/access-application}-${aws:PrincipalTag/access-environment}-*"))]}, "ImplicitDeny", [], ["aws:PrincipalTag/access-environment"]))

# ---------------------------------------------------------------------------------------------
# principals and resource-based policies (same account)
# ---------------------------------------------------------------------------------------------
P = "principals"
SB = "arn:aws:s3:::shared-bucket"
SBO = f"{SB}/report.csv"


def bucket(principal, action="s3:GetObject", effect="Allow", key="Principal", **kw):
    s = {"Effect": effect, key: principal, "Action": action, "Resource": [SB, f"{SB}/*"]}
    s.update(kw)
    return pol(s)


s3_only = pol(allow("s3:*"))
ec2_only = pol(allow("ec2:*"))
add(P, case("bucket policy naming the user grants without identity policy", D_RBP + " (IAM user)", req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": bucket({"AWS": ALICE})}, "Allow", [["resource", 0]]))
add(P, case("bucket policy naming the user is not limited by the boundary", D_RBP + " (IAM user: not limited by an implicit deny in a permissions boundary)", req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": bucket({"AWS": ALICE}), "boundary": ec2_only}, "Allow"))
add(P, case("bucket policy naming the role: session allowed without identity policy", D_RBP + " (IAM role)", req("s3:GetObject", SBO, AGENT_SESSION, resource_account=ACCT), {"resource": bucket({"AWS": AGENT_ROLE})}, "Allow"))
add(P, case("bucket policy naming the role is limited by the boundary", D_RBP + " (IAM role: limited by an implicit deny in a permissions boundary)", req("s3:GetObject", SBO, AGENT_SESSION, resource_account=ACCT), {"resource": bucket({"AWS": AGENT_ROLE}), "boundary": ec2_only}, "ImplicitDeny", [], None, "boundary"))
add(P, case("bucket policy naming the role is limited by the session policy", D_RBP + " (IAM role: limited by an implicit deny in a session policy)", req("s3:GetObject", SBO, AGENT_SESSION, resource_account=ACCT), {"resource": bucket({"AWS": AGENT_ROLE}), "session": ec2_only}, "ImplicitDeny", [], None, "session"))
add(P, case("bucket policy naming the role: boundary that allows passes", D_RBP, req("s3:GetObject", SBO, AGENT_SESSION, resource_account=ACCT), {"resource": bucket({"AWS": AGENT_ROLE}), "boundary": s3_only}, "Allow"))
add(P, case("bucket policy naming the session is not limited by the session policy", D_RBP + " (IAM role session)", req("s3:GetObject", SBO, AGENT_SESSION, resource_account=ACCT), {"resource": bucket({"AWS": AGENT_SESSION}), "session": ec2_only}, "Allow", [["resource", 0]]))
add(P, case("bucket policy naming the session is not limited by the boundary", D_RBP + " (IAM role session)", req("s3:GetObject", SBO, AGENT_SESSION, resource_account=ACCT), {"resource": bucket({"AWS": AGENT_SESSION}), "boundary": ec2_only}, "Allow"))
add(P, case("bucket policy naming another session of the role does not apply", D_PRINCIPAL + " (role session principals name one session)", req("s3:GetObject", SBO, AGENT_SESSION, resource_account=ACCT), {"resource": bucket({"AWS": f"arn:aws:sts::{ACCT}:assumed-role/Agent/bob"})}, "ImplicitDeny"))
add(P, case("bucket policy naming the account delegates to IAM: no identity policy", D_PRINCIPAL_ACCT, req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": bucket({"AWS": ROOT})}, "ImplicitDeny", [], None, "identity"))
add(P, case("bucket policy naming the account id delegates to IAM: no identity policy", D_PRINCIPAL_ACCT, req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": bucket({"AWS": ACCT})}, "ImplicitDeny"))
add(P, case("bucket policy naming the account + identity allow", D_PRINCIPAL_ACCT, req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": bucket({"AWS": ROOT}), "identity": [s3_only]}, "Allow"))
add(P, case("bucket policy naming another user: identity allow suffices", D_EVAL + " (same account: either policy may allow)", req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": bucket({"AWS": f"arn:aws:iam::{ACCT}:user/bob"}), "identity": [s3_only]}, "Allow", [["identity[0]", 0]]))
add(P, case("bucket policy naming another user, no identity allow", D_EVAL, req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": bucket({"AWS": f"arn:aws:iam::{ACCT}:user/bob"})}, "ImplicitDeny"))
add(P, case("public bucket policy: anonymous read", D_PRINCIPAL + " > All principals", req("s3:GetObject", SBO, "*", resource_account=ACCT), {"resource": bucket("*")}, "Allow", [["resource", 0]]))
add(P, case("public bucket policy: anonymous write not granted", D_PRINCIPAL + " > All principals", req("s3:PutObject", SBO, "*", resource_account=ACCT), {"resource": bucket("*")}, "ImplicitDeny"))
add(P, case("{AWS:*} public read", D_PRINCIPAL + " > All principals", req("s3:GetObject", SBO, "anonymous", resource_account=ACCT), {"resource": bucket({"AWS": "*"})}, "Allow"))
add(P, case("anonymous caller and an account principal", D_PRINCIPAL_ACCT, req("s3:GetObject", SBO, "*", resource_account=ACCT), {"resource": bucket({"AWS": ROOT})}, "ImplicitDeny"))
add(P, case("anonymous caller without resource policy", D_INTERPLAY, req("s3:GetObject", SBO, "*", resource_account=ACCT), {}, "ImplicitDeny"))
tls = pol({"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "s3:*", "Resource": [SB, f"{SB}/*"]}, {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [SB, f"{SB}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
add(P, case("bucket policy denies insecure transport for everyone", D_BOOL + "; " + D_EVAL, req("s3:GetObject", SBO, ALICE, {"aws:SecureTransport": "false"}, ACCT), {"resource": tls, "identity": [s3_only]}, "ExplicitDeny", [["resource", 1]]))
add(P, case("bucket policy deny not met over TLS", D_BOOL + "; " + D_EVAL, req("s3:GetObject", SBO, ALICE, {"aws:SecureTransport": "true"}, ACCT), {"resource": tls, "identity": [s3_only]}, "Allow"))
logging = bucket({"Service": "logging.s3.amazonaws.com"}, "s3:PutObject", Condition={"StringEquals": {"aws:SourceAccount": ACCT}, "ArnLike": {"aws:SourceArn": "arn:aws:s3:::source-bucket"}})
add(P, case("service principal allowed with SourceAccount/SourceArn", D_CONFUSED, req("s3:PutObject", SBO, "logging.s3.amazonaws.com", {"aws:SourceAccount": ACCT, "aws:SourceArn": "arn:aws:s3:::source-bucket"}, ACCT), {"resource": logging}, "Allow", [["resource", 0]], []))
add(P, case("service principal, wrong SourceAccount", D_CONFUSED, req("s3:PutObject", SBO, "logging.s3.amazonaws.com", {"aws:SourceAccount": OTHER, "aws:SourceArn": "arn:aws:s3:::source-bucket"}, ACCT), {"resource": logging}, "ImplicitDeny"))
add(P, case("service principal, SourceArn missing", D_CONFUSED + "; " + D_MISSING, req("s3:PutObject", SBO, "logging.s3.amazonaws.com", {"aws:SourceAccount": ACCT}, ACCT), {"resource": logging}, "ImplicitDeny", [], ["aws:SourceArn"]))
add(P, case("other service principal not named", D_PRINCIPAL + " > AWS service principals", req("s3:PutObject", SBO, "cloudtrail.amazonaws.com", {"aws:SourceAccount": ACCT, "aws:SourceArn": "arn:aws:s3:::source-bucket"}, ACCT), {"resource": logging}, "ImplicitDeny"))
add(P, case("service principal without resource policy", D_PRINCIPAL + " > AWS service principals", req("s3:PutObject", SBO, "logging.s3.amazonaws.com", resource_account=ACCT), {}, "ImplicitDeny"))
add(P, case("canonical user principal", D_PRINCIPAL + " > Canonical user principals", req("s3:GetObject", SBO, "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", resource_account=ACCT), {"resource": bucket({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})}, "Allow"))
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/WebApp"
web = pol({"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-abcd-abcd-123456789012"}, "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}})
add(P, case("trust policy: web identity federation allowed", D_PRINCIPAL + " > Federated user principals (OIDC)", req("sts:AssumeRoleWithWebIdentity", ROLE_ARN, "cognito-identity.amazonaws.com", {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-abcd-abcd-123456789012", "cognito-identity.amazonaws.com:amr": ["authenticated", "cognito-identity.amazonaws.com:us-east-1:pool"]}), {"resource": web}, "Allow"))
add(P, case("trust policy: web identity, wrong audience", D_PRINCIPAL + " > Federated user principals (OIDC)", req("sts:AssumeRoleWithWebIdentity", ROLE_ARN, "cognito-identity.amazonaws.com", {"cognito-identity.amazonaws.com:aud": "us-east-1:other", "cognito-identity.amazonaws.com:amr": ["authenticated"]}), {"resource": web}, "ImplicitDeny"))
add(P, case("trust policy: web identity, unauthenticated", D_PRINCIPAL + " > Federated user principals (OIDC)", req("sts:AssumeRoleWithWebIdentity", ROLE_ARN, "cognito-identity.amazonaws.com", {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-abcd-abcd-123456789012", "cognito-identity.amazonaws.com:amr": ["unauthenticated"]}), {"resource": web}, "ImplicitDeny"))
SAML = f"arn:aws:iam::{ACCT}:saml-provider/ExampleOrgSSO"
saml = pol({"Effect": "Allow", "Principal": {"Federated": SAML}, "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}})
add(P, case("trust policy: SAML provider", D_PRINCIPAL + " > Federated user principals (SAML)", req("sts:AssumeRoleWithSAML", ROLE_ARN, SAML, {"SAML:aud": "https://signin.aws.amazon.com/saml"}), {"resource": saml}, "Allow"))
add(P, case("trust policy: other SAML provider", D_PRINCIPAL + " > Federated user principals (SAML)", req("sts:AssumeRoleWithSAML", ROLE_ARN, f"arn:aws:iam::{ACCT}:saml-provider/Other", {"SAML:aud": "https://signin.aws.amazon.com/saml"}), {"resource": saml}, "ImplicitDeny"))
trust_acct = pol({"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"})
assume = pol(allow("sts:AssumeRole", ROLE_ARN))
add(P, case("trust policy naming the account + identity allow: assume role", D_TRUST + "; " + D_PRINCIPAL_ACCT, req("sts:AssumeRole", ROLE_ARN), {"resource": trust_acct, "identity": [assume]}, "Allow"))
add(P, case("trust policy naming the account, no identity allow", D_TRUST + "; " + D_PRINCIPAL_ACCT, req("sts:AssumeRole", ROLE_ARN), {"resource": trust_acct}, "ImplicitDeny", [], None, "identity"))
add(P, case("trust policy not naming the caller: identity allow is not enough", D_TRUST, req("sts:AssumeRole", ROLE_ARN), {"resource": pol({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/bob"}, "Action": "sts:AssumeRole"}), "identity": [assume]}, "ImplicitDeny", [], None, "resourcePolicyRequired"))
add(P, case("no trust policy given: identity allow is not enough", D_TRUST, req("sts:AssumeRole", ROLE_ARN), {"identity": [assume]}, "ImplicitDeny"))
add(P, case("trust policy naming the user directly", D_TRUST + "; " + D_RBP + " (IAM user)", req("sts:AssumeRole", ROLE_ARN), {"resource": pol({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"})}, "Allow"))
add(P, case("trust policy with ExternalId condition met", "IAM UG, How to use an external ID when granting access to your AWS resources to a third party", req("sts:AssumeRole", ROLE_ARN, BOB_OTHER, {"sts:ExternalId": "Unique-ID-1234"}), {"resource": pol({"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "Unique-ID-1234"}}}), "identity": [assume]}, "Allow"))
add(P, case("trust policy with ExternalId missing", "IAM UG, How to use an external ID; " + D_MISSING, req("sts:AssumeRole", ROLE_ARN, BOB_OTHER), {"resource": pol({"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "Unique-ID-1234"}}}), "identity": [assume]}, "ImplicitDeny", [], ["sts:ExternalId"]))
# NotPrincipal
np_bob = {"Effect": "Deny", "NotPrincipal": {"AWS": [BOB_OTHER, f"arn:aws:iam::{OTHER}:root"]}, "Action": "s3:*", "Resource": [SB, f"{SB}/*"]}
np_allow_bob = {"Effect": "Allow", "Principal": {"AWS": BOB_OTHER}, "Action": "s3:GetObject", "Resource": f"{SB}/*"}
add(P, case("NotPrincipal Deny: Bob (and his account) exempt", D_NOTPRINCIPAL + " > Example IAM user in the same or a different account", req("s3:GetObject", SBO, BOB_OTHER, resource_account=ACCT), {"resource": pol(np_bob, np_allow_bob), "identity": [s3_only]}, "Allow", None))
add(P, case("NotPrincipal Deny: another user of Bob's account denied", D_NOTPRINCIPAL + " > Example IAM user", req("s3:GetObject", SBO, f"arn:aws:iam::{OTHER}:user/Carol", resource_account=ACCT), {"resource": pol(np_bob, {**np_allow_bob, "Principal": {"AWS": OTHER}}), "identity": [s3_only]}, "ExplicitDeny", [["resource", 0]]))
add(P, case("NotPrincipal Deny: same-account user denied", D_NOTPRINCIPAL, req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": pol(np_bob), "identity": [s3_only]}, "ExplicitDeny"))
np_role = {"Effect": "Deny", "NotPrincipal": {"AWS": [f"arn:aws:sts::{OTHER}:assumed-role/cross-account-read-only-role/cross-account-audit-app", f"arn:aws:iam::{OTHER}:role/cross-account-read-only-role", f"arn:aws:iam::{OTHER}:root"]}, "Action": "s3:*", "Resource": [SB, f"{SB}/*"]}
np_role_allow = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:role/cross-account-read-only-role"}, "Action": "s3:GetObject", "Resource": f"{SB}/*"}
add(P, case("NotPrincipal Deny: listed session exempt", D_NOTPRINCIPAL + " > Example IAM role", req("s3:GetObject", SBO, f"arn:aws:sts::{OTHER}:assumed-role/cross-account-read-only-role/cross-account-audit-app", resource_account=ACCT), {"resource": pol(np_role, np_role_allow), "identity": [s3_only]}, "Allow"))
add(P, case("NotPrincipal Deny: other session of the role denied", D_NOTPRINCIPAL + " > Example IAM role (principals must name a specific session)", req("s3:GetObject", SBO, f"arn:aws:sts::{OTHER}:assumed-role/cross-account-read-only-role/other-app", resource_account=ACCT), {"resource": pol(np_role, np_role_allow), "identity": [s3_only]}, "ExplicitDeny"))
np_alice = {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, ROOT]}, "Action": "s3:*", "Resource": [SB, f"{SB}/*"]}
add(P, case("NotPrincipal Deny: exempt user without boundary", D_NOTPRINCIPAL, req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": pol(np_alice), "identity": [s3_only]}, "Allow"))
add(P, case("NotPrincipal Deny always denies a principal with a boundary", D_BOUNDARY_NOTPRINCIPAL, req("s3:GetObject", SBO, ALICE, resource_account=ACCT), {"resource": pol(np_alice), "identity": [s3_only], "boundary": s3_only}, "ExplicitDeny", [["resource", 0]]))
add(P, case("Allow with NotPrincipal grants anonymous callers", D_NOTPRINCIPAL + " > NotPrincipal with Allow", req("s3:GetObject", SBO, "*", resource_account=ACCT), {"resource": pol({"Effect": "Allow", "NotPrincipal": {"AWS": BOB_OTHER}, "Action": "s3:GetObject", "Resource": f"{SB}/*"})}, "Allow"))

# ---------------------------------------------------------------------------------------------
# cross-account
# ---------------------------------------------------------------------------------------------
X = "cross_account"
XB = "arn:aws:s3:::partner-bucket"
XBO = f"{XB}/data.csv"
x_id = pol(allow("s3:GetObject", f"{XB}/*"))


def xbucket(principal, effect="Allow", action="s3:GetObject"):
    return pol({"Effect": effect, "Principal": principal, "Action": action, "Resource": f"{XB}/*"})


add(X, case("both sides allow", D_CROSS, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id], "resource": xbucket({"AWS": ALICE})}, "Allow", [["identity[0]", 0], ["resource", 0]]))
add(X, case("no resource policy: denied", D_CROSS, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id]}, "ImplicitDeny", [], None, "resourcePolicy"))
add(X, case("resource policy naming the user directly still needs identity allow", D_CROSS + " (resource-based policy grants directly only within the same account)", req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"resource": xbucket({"AWS": ALICE})}, "ImplicitDeny", [], None, "identity"))
add(X, case("resource policy naming the account + identity allow", D_CROSS + "; " + D_PRINCIPAL_ACCT, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id], "resource": xbucket({"AWS": ACCT})}, "Allow"))
add(X, case("resource policy naming another account", D_CROSS, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id], "resource": xbucket({"AWS": "999988887777"})}, "ImplicitDeny"))
add(X, case("resource policy explicit deny", D_CROSS + "; " + D_EVAL, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id], "resource": pol({"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "s3:*", "Resource": f"{XB}/*"}, {"Effect": "Deny", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject", "Resource": f"{XB}/*"})}, "ExplicitDeny", [["resource", 1]]))
add(X, case("identity explicit deny", D_CROSS + "; " + D_EVAL, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id, pol(deny("s3:*", f"{XB}/*"))], "resource": xbucket({"AWS": ALICE})}, "ExplicitDeny", [["identity[1]", 0]]))
add(X, case("session ARN named cross-account still needs identity", D_CROSS, req("s3:GetObject", XBO, AGENT_SESSION, resource_account=OTHER), {"resource": xbucket({"AWS": AGENT_SESSION})}, "ImplicitDeny"))
add(X, case("role ARN named cross-account + role identity allow", D_CROSS, req("s3:GetObject", XBO, AGENT_SESSION, resource_account=OTHER), {"resource": xbucket({"AWS": AGENT_ROLE}), "identity": [x_id]}, "Allow"))
add(X, case("cross-account boundary limits the caller", D_CROSS + "; " + D_BOUNDARY, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id], "resource": xbucket({"AWS": ALICE}), "boundary": ec2_only}, "ImplicitDeny", [], None, "boundary"))
add(X, case("ARN account decides cross-account (SQS)", D_CROSS, req("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{OTHER}:orders", ALICE), {"identity": [pol(allow("sqs:SendMessage", "*"))]}, "ImplicitDeny", [], None, "resourcePolicy"))
add(X, case("SQS queue policy allows the other account", D_CROSS, req("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{OTHER}:orders", ALICE), {"identity": [pol(allow("sqs:SendMessage", "*"))], "resource": pol({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:us-east-1:{OTHER}:orders"})}, "Allow"))
add(X, case("same account by ARN: identity alone suffices", D_EVAL, req("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCT}:orders", ALICE), {"identity": [pol(allow("sqs:SendMessage", "*"))]}, "Allow"))
add(X, case("cross-account trust: account named, identity allows", D_CROSS + "; " + D_TRUST, req("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/Audit", ALICE), {"resource": pol({"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "sts:AssumeRole"}), "identity": [pol(allow("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/Audit"))]}, "Allow"))
add(X, case("cross-account trust: identity does not allow", D_CROSS + "; " + D_TRUST, req("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/Audit", ALICE), {"resource": pol({"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "sts:AssumeRole"})}, "ImplicitDeny", [], None, "identity"))
add(X, case("cross-account: root of the caller account still needs the resource policy", D_CROSS, req("s3:GetObject", XBO, ROOT, resource_account=OTHER), {}, "ImplicitDeny", [], None, "resourcePolicy"))
add(X, case("cross-account: root of the caller account with resource allow", D_CROSS + "; " + D_ROOT, req("s3:GetObject", XBO, ROOT, resource_account=OTHER), {"resource": xbucket({"AWS": ACCT})}, "Allow"))
add(X, case("cross-account: condition on aws:PrincipalOrgID in resource policy", D_CROSS + "; " + D_CONTEXT_KEYS, req("s3:GetObject", XBO, ALICE, {"aws:PrincipalOrgID": "o-abc123"}, OTHER), {"identity": [x_id], "resource": pol({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{XB}/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}})}, "Allow"))
add(X, case("cross-account: PrincipalOrgID missing", D_CROSS + "; " + D_MISSING, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id], "resource": pol({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{XB}/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}})}, "ImplicitDeny", [], ["aws:PrincipalOrgID"], "resourcePolicy"))

# ---------------------------------------------------------------------------------------------
# SCPs, RCPs, boundaries, session policies
# ---------------------------------------------------------------------------------------------
O = "organizations_boundaries_sessions"
FULL = pol(allow("*", "*", sid="FullAWSAccess"))
s3_ec2 = pol(allow(["s3:*", "ec2:*"]))
add(O, case("SCP FullAWSAccess + identity allow", D_SCP, req("iam:CreateUser"), {"identity": [ALLOW_ALL], "scps": [FULL]}, "Allow", [["identity[0]", 0], ["scps[0]", 0]]))
add(O, case("SCP allow-list excludes iam", D_SCP, req("iam:CreateUser"), {"identity": [ALLOW_ALL], "scps": [s3_ec2]}, "ImplicitDeny", [], None, "scp"))
add(O, case("SCP allow-list includes s3", D_SCP, req("s3:GetObject", f"{BUCKET}/x"), {"identity": [ALLOW_ALL], "scps": [s3_ec2]}, "Allow"))
add(O, case("SCP does not grant: identity still needed", D_SCP + " (SCPs grant no permissions)", req("s3:GetObject", f"{BUCKET}/x"), {"scps": [FULL]}, "ImplicitDeny", [], None, "identity"))
region_deny = pol(allow("*", "*"), deny("*", "*", sid="DenyOutsideUsEast1", Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}))
add(O, case("SCP region deny: other region", D_SCP + "; " + D_STR, req("ec2:RunInstances", context={"aws:RequestedRegion": "eu-west-1"}), {"identity": [ALLOW_ALL], "scps": [region_deny]}, "ExplicitDeny", [["scps[0]", 1]]))
add(O, case("SCP region deny: allowed region", D_SCP + "; " + D_STR, req("ec2:RunInstances", context={"aws:RequestedRegion": "us-east-1"}), {"identity": [ALLOW_ALL], "scps": [region_deny]}, "Allow"))
add(O, case("SCP region deny: region key missing denies (negated operator)", D_SCP + "; " + D_MISSING, req("ec2:RunInstances"), {"identity": [ALLOW_ALL], "scps": [region_deny]}, "ExplicitDeny", None, ["aws:RequestedRegion"]))
add(O, case("SCP levels: root allows all, OU allows only s3: ec2 denied", D_SCP_LEVELS, req("ec2:RunInstances"), {"identity": [ALLOW_ALL], "scps": [FULL, pol(allow("s3:*"))]}, "ImplicitDeny", [], None, "scp"))
add(O, case("SCP levels: root allows all, OU allows only s3: s3 allowed", D_SCP_LEVELS, req("s3:ListBucket", BUCKET), {"identity": [ALLOW_ALL], "scps": [FULL, pol(allow("s3:*"))]}, "Allow"))
add(O, case("SCP level with two policies: union", D_SCP_LEVELS + " (policies attached at one level add up)", req("ec2:RunInstances"), {"identity": [ALLOW_ALL], "scps": [FULL, [pol(allow("s3:*")), pol(allow("ec2:*"))]]}, "Allow"))
add(O, case("SCP applies to the root user", D_SCP, req("iam:CreateUser", "*", ROOT), {"scps": [s3_ec2]}, "ImplicitDeny", [], None, "scp"))
add(O, case("SCP applies to the root user: allowed action", D_SCP + "; " + D_ROOT, req("s3:CreateBucket", "arn:aws:s3:::new", ROOT, resource_account=ACCT), {"scps": [s3_ec2]}, "Allow"))
add(O, case("SCP deny does not apply to a service principal", D_SCP + " (SCPs apply to principals of the member account)", req("s3:PutObject", SBO, "logging.s3.amazonaws.com", {"aws:SourceAccount": ACCT, "aws:SourceArn": "arn:aws:s3:::source-bucket"}, ACCT), {"resource": logging, "scps": [pol(deny("*"))]}, "Allow"))
add(O, case("SCP of the caller applies cross-account", D_SCP + "; " + D_CROSS, req("s3:GetObject", XBO, ALICE, resource_account=OTHER), {"identity": [x_id], "resource": xbucket({"AWS": ALICE}), "scps": [pol(allow("ec2:*"))]}, "ImplicitDeny", [], None, "scp"))
add(O, case("SCP deny with IfExists exception for a role", D_SCP + "; " + D_ARN, req("iam:DeleteRole", f"arn:aws:iam::{ACCT}:role/x", AGENT_SESSION), {"identity": [ALLOW_ALL], "scps": [pol(allow("*"), deny("iam:*", Condition={"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/Admin"}}))]}, "ExplicitDeny", None, []))
add(O, case("SCP deny exception matches the admin role (aws:PrincipalArn is the role ARN)", D_SCP + "; " + D_CONTEXT_KEYS + " (aws:PrincipalArn of a role session is the role ARN)", req("iam:DeleteRole", f"arn:aws:iam::{ACCT}:role/x", f"arn:aws:sts::{ACCT}:assumed-role/Admin/ops"), {"identity": [ALLOW_ALL], "scps": [pol(allow("*"), deny("iam:*", Condition={"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/Admin"}}))]}, "Allow"))
RCP_FULL = pol({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Sid": "RCPFullAWSAccess"})
rcp_org = pol({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*", "Action": ["s3:*", "kms:*"], "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}})
add(O, case("RCP full access + same-account allow", D_RCP, req("s3:GetObject", f"{BUCKET}/x", resource_account=ACCT), {"identity": [ALLOW_ALL], "rcps": [RCP_FULL]}, "Allow"))
add(O, case("RCP org perimeter: outside identity denied", D_RCP + "; " + D_IFEXISTS, req("s3:GetObject", XBO, BOB_OTHER, {"aws:PrincipalOrgID": "o-zzz999"}, ACCT), {"identity": [ALLOW_ALL], "resource": pol({"Effect": "Allow", "Principal": {"AWS": BOB_OTHER}, "Action": "s3:GetObject", "Resource": f"{XB}/*"}), "rcps": [rcp_org]}, "ExplicitDeny", [["rcps[0]", 1]]))
add(O, case("RCP org perimeter: identity inside the org allowed", D_RCP, req("s3:GetObject", XBO, BOB_OTHER, {"aws:PrincipalOrgID": "o-abc123"}, ACCT), {"identity": [ALLOW_ALL], "resource": pol({"Effect": "Allow", "Principal": {"AWS": BOB_OTHER}, "Action": "s3:GetObject", "Resource": f"{XB}/*"}), "rcps": [rcp_org]}, "Allow"))
add(O, case("RCP without an applicable Allow", D_RCP, req("s3:GetObject", f"{BUCKET}/x", resource_account=ACCT), {"identity": [ALLOW_ALL], "rcps": [pol({"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"})]}, "ImplicitDeny", [], None, "rcp"))
add(O, case("RCP does not grant: identity still needed", D_RCP, req("s3:GetObject", f"{BUCKET}/x", resource_account=ACCT), {"rcps": [RCP_FULL]}, "ImplicitDeny", [], None, "identity"))
shirley = pol(allow("iam:CreateUser", "*"))
shirley_boundary = pol(allow(["s3:*", "cloudwatch:*", "ec2:*"], "*"))
add(O, case("boundary: CreateUser allowed by identity, not by boundary", D_BOUNDARY + " (ShirleyRodriguez example)", req("iam:CreateUser", f"arn:aws:iam::{ACCT}:user/new", f"arn:aws:iam::{ACCT}:user/ShirleyRodriguez"), {"identity": [shirley], "boundary": shirley_boundary}, "ImplicitDeny", [], None, "boundary"))
add(O, case("boundary: boundary alone grants nothing", D_BOUNDARY + " (boundary does not grant permissions)", req("s3:GetObject", f"{BUCKET}/x", f"arn:aws:iam::{ACCT}:user/ShirleyRodriguez"), {"identity": [shirley], "boundary": shirley_boundary}, "ImplicitDeny", [], None, "identity"))
add(O, case("boundary and identity both allow", D_BOUNDARY, req("s3:GetObject", f"{BUCKET}/x"), {"identity": [s3_only], "boundary": shirley_boundary}, "Allow", [["identity[0]", 0], ["boundary", 0]]))
add(O, case("boundary explicit deny", D_BOUNDARY + "; " + D_EVAL, req("s3:DeleteBucket", BUCKET), {"identity": [s3_only], "boundary": pol(allow("s3:*"), deny("s3:DeleteBucket"))}, "ExplicitDeny", [["boundary", 1]]))
add(O, case("boundary + SCP + identity all allow", D_EVAL, req("ec2:RunInstances"), {"identity": [ALLOW_ALL], "boundary": shirley_boundary, "scps": [FULL]}, "Allow", [["identity[0]", 0], ["boundary", 0], ["scps[0]", 0]]))
add(O, case("boundary on a role session", D_BOUNDARY, req("iam:PassRole", f"arn:aws:iam::{ACCT}:role/x", AGENT_SESSION), {"identity": [ALLOW_ALL], "boundary": shirley_boundary}, "ImplicitDeny", [], None, "boundary"))
sess = pol(allow("s3:GetObject", f"{BUCKET}/*"))
add(O, case("session policy narrows a role session", D_SESSION, req("s3:GetObject", f"{BUCKET}/x", AGENT_SESSION), {"identity": [s3_only], "session": sess}, "Allow", [["identity[0]", 0], ["session", 0]]))
add(O, case("session policy: action outside it denied", D_SESSION, req("s3:PutObject", f"{BUCKET}/x", AGENT_SESSION), {"identity": [s3_only], "session": sess}, "ImplicitDeny", [], None, "session"))
add(O, case("session policy alone grants nothing", D_SESSION + " (intersection with identity-based policies)", req("s3:GetObject", f"{BUCKET}/x", AGENT_SESSION), {"session": sess}, "ImplicitDeny", [], None, "identity"))
add(O, case("session policy explicit deny", D_SESSION + "; " + D_EVAL, req("s3:GetObject", f"{BUCKET}/x", AGENT_SESSION), {"identity": [s3_only], "session": pol(allow("*"), deny("s3:GetObject"))}, "ExplicitDeny", [["session", 1]]))
add(O, case("role session without session policy", D_SESSION, req("s3:GetObject", f"{BUCKET}/x", AGENT_SESSION), {"identity": [s3_only]}, "Allow"))
FED = f"arn:aws:sts::{ACCT}:federated-user/partner"
add(O, case("federated user session without session policy", D_SESSION + " (not a role session: implicit deny)", req("s3:GetObject", f"{BUCKET}/x", FED), {"identity": [s3_only]}, "ImplicitDeny", [], None, "session"))
add(O, case("federated user session with session policy", D_SESSION, req("s3:GetObject", f"{BUCKET}/x", FED), {"identity": [s3_only], "session": sess}, "Allow"))
add(O, case("federated user named directly by a resource policy", D_RBP + " (IAM federated user sessions)", req("s3:GetObject", SBO, FED, resource_account=ACCT), {"resource": bucket({"AWS": FED})}, "Allow"))

# ---------------------------------------------------------------------------------------------
# KMS key policies
# ---------------------------------------------------------------------------------------------
K = "kms"
enable_iam = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
default_kp = pol(enable_iam)
decrypt_id = pol(allow("kms:Decrypt", KEY))
add(K, case("default key policy: IAM policy allows Decrypt", D_KMS_DEFAULT, req("kms:Decrypt", KEY), {"kmsKeyPolicy": default_kp, "identity": [decrypt_id]}, "Allow", [["kmsKeyPolicy", 0], ["identity[0]", 0]]))
add(K, case("default key policy: no IAM policy", D_KMS_DEFAULT, req("kms:Decrypt", KEY), {"kmsKeyPolicy": default_kp}, "ImplicitDeny", [], None, "identity"))
add(K, case("default key policy: IAM policy for another key", D_KMS_DEFAULT + "; " + D_RESOURCE, req("kms:Decrypt", KEY), {"kmsKeyPolicy": default_kp, "identity": [pol(allow("kms:Decrypt", f"arn:aws:kms:us-west-2:{ACCT}:key/other"))]}, "ImplicitDeny"))
add(K, case("default key policy: account root", D_KMS_DEFAULT + "; " + D_ROOT, req("kms:ScheduleKeyDeletion", KEY, ROOT), {"kmsKeyPolicy": default_kp}, "Allow"))
admin_only = pol({"Sid": "KeyAdmins", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/KeyAdmin"}, "Action": "kms:*", "Resource": "*"})
add(K, case("key policy without the account: IAM kms:* grants nothing", D_KMS_ROOT, req("kms:Decrypt", KEY), {"kmsKeyPolicy": admin_only, "identity": [pol(allow("kms:*"))]}, "ImplicitDeny", [], None, "resourcePolicyRequired"))
add(K, case("key policy without the account: even the root user", D_KMS_ROOT + " (no principal, not even the account root user, unless the key policy allows it)", req("kms:Decrypt", KEY, ROOT), {"kmsKeyPolicy": admin_only}, "ImplicitDeny", [], None, "resourcePolicyRequired"))
add(K, case("key policy naming the admin role: session allowed without IAM policy", D_KMS_ROOT + "; " + D_RBP, req("kms:PutKeyPolicy", KEY, f"arn:aws:sts::{ACCT}:assumed-role/KeyAdmin/ops"), {"kmsKeyPolicy": admin_only}, "Allow", [["kmsKeyPolicy", 0]]))
add(K, case("key policy naming the admin role: boundary still limits", D_KMS_ROOT + "; " + D_RBP + " (IAM role: limited by boundary)", req("kms:PutKeyPolicy", KEY, f"arn:aws:sts::{ACCT}:assumed-role/KeyAdmin/ops"), {"kmsKeyPolicy": admin_only, "boundary": s3_only}, "ImplicitDeny", [], None, "boundary"))
add(K, case("IAM explicit deny overrides the key policy", D_KMS_IAMDENY, req("kms:ScheduleKeyDeletion", KEY, f"arn:aws:sts::{ACCT}:assumed-role/KeyAdmin/ops"), {"kmsKeyPolicy": admin_only, "identity": [pol(deny("kms:ScheduleKeyDeletion"))]}, "ExplicitDeny", [["identity[0]", 0]]))
add(K, case("key policy explicit deny overrides IAM allow", D_EVAL, req("kms:Decrypt", KEY), {"kmsKeyPolicy": pol(enable_iam, {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"Null": {"kms:EncryptionContextKeys": "true"}}}), "identity": [decrypt_id]}, "ExplicitDeny", [["kmsKeyPolicy", 1]], ["kms:EncryptionContextKeys"]))
add(K, case("key policy deny not met when a context is given", D_EVAL + "; " + D_NULL, req("kms:Decrypt", KEY, context={"kms:EncryptionContextKeys": ["aws:connect:instanceId"]}), {"kmsKeyPolicy": pol(enable_iam, {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"Null": {"kms:EncryptionContextKeys": "true"}}}), "identity": [decrypt_id]}, "Allow"))
add(K, case("SCP applies to KMS too", D_SCP, req("kms:Decrypt", KEY), {"kmsKeyPolicy": default_kp, "identity": [decrypt_id], "scps": [pol(allow("s3:*"))]}, "ImplicitDeny", [], None, "scp"))
# Amazon Connect key policy (seed 000)
CONNECT_INST = f"arn:aws:connect:us-west-2:{ACCT}:instance/11111111-2222-3333-4444-555555555555"
connect_kp = pol(enable_iam, {"Sid": "AllowConnect", "Effect": "Allow", "Principal": {"Service": "connect.amazonaws.com"}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], "Resource": "*"})
for action, want in [("kms:Encrypt", "Allow"), ("kms:Decrypt", "Allow"), ("kms:GenerateDataKey", "Allow"), ("kms:DescribeKey", "Allow"), ("kms:ReEncryptFrom", "ImplicitDeny"), ("kms:CreateGrant", "ImplicitDeny"), ("kms:ScheduleKeyDeletion", "ImplicitDeny"), ("kms:GenerateDataKeyWithoutPlaintext", "ImplicitDeny")]:
    add(K, case(f"Connect key policy: connect.amazonaws.com {action}", D_SEED_CONNECT + "; " + D_PRINCIPAL + " > AWS service principals", req(action, KEY, "connect.amazonaws.com"), {"kmsKeyPolicy": connect_kp}, want, [["kmsKeyPolicy", 1]] if want == "Allow" else []))
add(K, case("Connect key policy: other service not named", D_SEED_CONNECT, req("kms:Decrypt", KEY, "voiceid.amazonaws.com"), {"kmsKeyPolicy": connect_kp}, "ImplicitDeny"))
add(K, case("Connect key policy: user with IAM policy (account enabled)", D_SEED_CONNECT + "; " + D_KMS_DEFAULT, req("kms:Decrypt", KEY, AGENT_SESSION), {"kmsKeyPolicy": connect_kp, "identity": [decrypt_id]}, "Allow"))
add(K, case("Connect key policy: user without IAM policy", D_SEED_CONNECT + "; " + D_KMS_DEFAULT, req("kms:Decrypt", KEY, AGENT_SESSION), {"kmsKeyPolicy": connect_kp}, "ImplicitDeny"))
connect_kp_cd = pol(enable_iam, {"Sid": "AllowConnect", "Effect": "Allow", "Principal": {"Service": "connect.amazonaws.com"}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": ACCT}, "ArnLike": {"aws:SourceArn": f"arn:aws:connect:us-west-2:{ACCT}:instance/*"}}})
add(K, case("Connect with confused-deputy conditions met", D_SEED_CONNECT + "; " + D_CONFUSED, req("kms:Decrypt", KEY, "connect.amazonaws.com", {"aws:SourceAccount": ACCT, "aws:SourceArn": CONNECT_INST}), {"kmsKeyPolicy": connect_kp_cd}, "Allow", [["kmsKeyPolicy", 1]], []))
add(K, case("Connect with confused-deputy: other account's instance", D_CONFUSED, req("kms:Decrypt", KEY, "connect.amazonaws.com", {"aws:SourceAccount": OTHER, "aws:SourceArn": f"arn:aws:connect:us-west-2:{OTHER}:instance/x"}), {"kmsKeyPolicy": connect_kp_cd}, "ImplicitDeny"))
add(K, case("Connect with confused-deputy: source missing", D_CONFUSED + "; " + D_MISSING, req("kms:Decrypt", KEY, "connect.amazonaws.com"), {"kmsKeyPolicy": connect_kp_cd}, "ImplicitDeny", [], ["aws:SourceAccount", "aws:SourceArn"]))
add(K, case("Connect with confused-deputy: SourceArn missing", D_CONFUSED + "; " + D_MISSING, req("kms:Decrypt", KEY, "connect.amazonaws.com", {"aws:SourceAccount": ACCT}), {"kmsKeyPolicy": connect_kp_cd}, "ImplicitDeny", [], ["aws:SourceArn"]))
# Voice ID key policy (seed 003), with the placeholders filled in
VOICE_ADMIN = f"arn:aws:iam::{ACCT}:role/VoiceIdAdmin"
VOICE_SESSION = f"arn:aws:sts::{ACCT}:assumed-role/VoiceIdAdmin/console"
voice_kp = pol({"Sid": "Allow key access to Amazon Connect VoiceID.", "Effect": "Allow", "Principal": {"AWS": VOICE_ADMIN}, "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"], "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": ["voiceid.us-west-2.amazonaws.com"]}}})
for action, ctx, want, missing, note in [
    ("kms:CreateGrant", {"kms:ViaService": "voiceid.us-west-2.amazonaws.com"}, "Allow", [], "via Voice ID"),
    ("kms:Decrypt", {"kms:ViaService": "voiceid.us-west-2.amazonaws.com"}, "Allow", [], "via Voice ID"),
    ("kms:DescribeKey", {"kms:ViaService": "voiceid.us-west-2.amazonaws.com"}, "Allow", [], "via Voice ID"),
    ("kms:CreateGrant", None, "ImplicitDeny", ["kms:ViaService"], "called directly"),
    ("kms:Decrypt", {"kms:ViaService": "voiceid.us-east-1.amazonaws.com"}, "ImplicitDeny", [], "via Voice ID in another region"),
    ("kms:Decrypt", {"kms:ViaService": "s3.us-west-2.amazonaws.com"}, "ImplicitDeny", [], "via another service"),
    ("kms:Encrypt", {"kms:ViaService": "voiceid.us-west-2.amazonaws.com"}, "ImplicitDeny", None, "action not listed"),
]:
    add(K, case(f"Voice ID key policy: {action} {note}", D_SEED_VOICEID + "; " + D_KMS_VIA, req(action, KEY, VOICE_SESSION, ctx), {"kmsKeyPolicy": voice_kp}, want, [["kmsKeyPolicy", 0]] if want == "Allow" else [], missing))
add(K, case("Voice ID key policy: other role", D_SEED_VOICEID, req("kms:Decrypt", KEY, AGENT_SESSION, {"kms:ViaService": "voiceid.us-west-2.amazonaws.com"}), {"kmsKeyPolicy": voice_kp, "identity": [pol(allow("kms:*"))]}, "ImplicitDeny", [], None, "resourcePolicyRequired"))
DOMAIN = f"arn:aws:voiceid:us-west-2:{ACCT}:domain/sampleDomainId"
RO_ROLE = f"arn:aws:iam::{ACCT}:role/ExampleReadOnlyRole"
RO_SESSION = f"arn:aws:sts::{ACCT}:assumed-role/ExampleReadOnlyRole/app"
voice_ec_kp = pol(
    {"Sid": "Enable DescribeKey", "Effect": "Allow", "Principal": {"AWS": RO_ROLE}, "Action": "kms:DescribeKey", "Resource": "*"},
    {"Sid": "Enable CreateGrant", "Effect": "Allow", "Principal": {"AWS": RO_ROLE}, "Action": "kms:CreateGrant", "Resource": "*", "Condition": {"StringEquals": {"kms:EncryptionContext:aws:voiceid:domain:arn": DOMAIN}}},
)
EC = "kms:EncryptionContext:aws:voiceid:domain:arn"
add(K, case("Voice ID EC: DescribeKey", D_SEED_VOICEID_EC, req("kms:DescribeKey", KEY, RO_SESSION), {"kmsKeyPolicy": voice_ec_kp}, "Allow", [["kmsKeyPolicy", 0]]))
add(K, case("Voice ID EC: CreateGrant with the domain's context", D_SEED_VOICEID_EC + "; " + D_KMS_EC, req("kms:CreateGrant", KEY, RO_SESSION, {EC: DOMAIN}), {"kmsKeyPolicy": voice_ec_kp}, "Allow", [["kmsKeyPolicy", 1]], []))
add(K, case("Voice ID EC: CreateGrant for another domain", D_SEED_VOICEID_EC + "; " + D_KMS_EC, req("kms:CreateGrant", KEY, RO_SESSION, {EC: f"arn:aws:voiceid:us-west-2:{ACCT}:domain/otherDomain"}), {"kmsKeyPolicy": voice_ec_kp}, "ImplicitDeny"))
add(K, case("Voice ID EC: CreateGrant without context", D_SEED_VOICEID_EC + "; " + D_MISSING, req("kms:CreateGrant", KEY, RO_SESSION), {"kmsKeyPolicy": voice_ec_kp}, "ImplicitDeny", [], [EC]))
add(K, case("Voice ID EC: context key part is case-insensitive", D_KMS_EC, req("kms:CreateGrant", KEY, RO_SESSION, {"kms:EncryptionContext:AWS:VOICEID:DOMAIN:ARN": DOMAIN}), {"kmsKeyPolicy": voice_ec_kp}, "Allow"))
add(K, case("Voice ID EC: context value is case-sensitive", D_KMS_EC, req("kms:CreateGrant", KEY, RO_SESSION, {EC: DOMAIN.replace("sampleDomainId", "SAMPLEDOMAINID")}), {"kmsKeyPolicy": voice_ec_kp}, "ImplicitDeny"))
add(K, case("Voice ID EC: Decrypt not granted to the read-only role", D_SEED_VOICEID_EC, req("kms:Decrypt", KEY, RO_SESSION, {EC: DOMAIN}), {"kmsKeyPolicy": voice_ec_kp}, "ImplicitDeny"))
eckeys = pol(enable_iam)
eckeys_id = pol(allow(["kms:Decrypt", "kms:GenerateDataKey"], KEY, Condition={"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["aws:voiceid:domain:arn"]}, "Null": {"kms:EncryptionContextKeys": "false"}}))
add(K, case("EncryptionContextKeys: only the domain key", D_KMS_ECKEYS + "; " + D_SET, req("kms:Decrypt", KEY, context={"kms:EncryptionContextKeys": ["aws:voiceid:domain:arn"], EC: DOMAIN}), {"kmsKeyPolicy": eckeys, "identity": [eckeys_id]}, "Allow"))
add(K, case("EncryptionContextKeys: an extra key", D_KMS_ECKEYS + "; " + D_SET, req("kms:Decrypt", KEY, context={"kms:EncryptionContextKeys": ["aws:voiceid:domain:arn", "purpose"]}), {"kmsKeyPolicy": eckeys, "identity": [eckeys_id]}, "ImplicitDeny"))
add(K, case("EncryptionContextKeys: no context at all (Null guard)", D_KMS_ECKEYS + "; " + D_NULL, req("kms:Decrypt", KEY), {"kmsKeyPolicy": eckeys, "identity": [eckeys_id]}, "ImplicitDeny", [], ["kms:EncryptionContextKeys"]))
ec_connect = pol(enable_iam, {"Sid": "SupervisorsDecryptRecordings", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/Supervisor"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:EncryptionContext:aws:connect:instanceId": "11111111-*"}}})
SUP = f"arn:aws:sts::{ACCT}:assumed-role/Supervisor/sam"
add(K, case("supervisor decrypts a recording of the instance", D_KMS_EC + "; " + D_STR, req("kms:Decrypt", KEY, SUP, {"kms:EncryptionContext:aws:connect:instanceId": "11111111-2222-3333-4444-555555555555"}), {"kmsKeyPolicy": ec_connect}, "Allow", [["kmsKeyPolicy", 1]]))
add(K, case("supervisor, recording of another instance", D_KMS_EC, req("kms:Decrypt", KEY, SUP, {"kms:EncryptionContext:aws:connect:instanceId": "99999999-2222-3333-4444-555555555555"}), {"kmsKeyPolicy": ec_connect}, "ImplicitDeny"))
add(K, case("agent (not in the key policy, no IAM policy) cannot decrypt recordings", D_KMS_DEFAULT + "; " + D_KMS_EC, req("kms:Decrypt", KEY, AGENT_SESSION, {"kms:EncryptionContext:aws:connect:instanceId": "11111111-2222-3333-4444-555555555555"}), {"kmsKeyPolicy": ec_connect}, "ImplicitDeny", [], None, "identity"))
grant_kp = pol(enable_iam, {"Sid": "AllowGrantsForAWSResources", "Effect": "Allow", "Principal": {"AWS": VOICE_ADMIN}, "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}})
add(K, case("CreateGrant for an AWS resource", D_KMS_GRANT, req("kms:CreateGrant", KEY, VOICE_SESSION, {"kms:GrantIsForAWSResource": True}), {"kmsKeyPolicy": grant_kp}, "Allow"))
add(K, case("CreateGrant not for an AWS resource", D_KMS_GRANT, req("kms:CreateGrant", KEY, VOICE_SESSION, {"kms:GrantIsForAWSResource": False}), {"kmsKeyPolicy": grant_kp}, "ImplicitDeny", [], None, "identity"))
grant_ops = pol(allow("kms:CreateGrant", KEY, Condition={"ForAllValues:StringEquals": {"kms:GrantOperations": ["Decrypt", "GenerateDataKey", "DescribeKey"]}}))
add(K, case("GrantOperations subset", D_KMS_GRANT + "; " + D_SET, req("kms:CreateGrant", KEY, context={"kms:GrantOperations": ["Decrypt", "DescribeKey"]}), {"kmsKeyPolicy": default_kp, "identity": [grant_ops]}, "Allow"))
add(K, case("GrantOperations with an extra operation", D_KMS_GRANT + "; " + D_SET, req("kms:CreateGrant", KEY, context={"kms:GrantOperations": ["Decrypt", "ReEncryptFrom"]}), {"kmsKeyPolicy": default_kp, "identity": [grant_ops]}, "ImplicitDeny"))
via_all = pol(enable_iam, {"Sid": "AllowViaVoiceIdForAccountPrincipals", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": ACCT, "kms:ViaService": "voiceid.us-west-2.amazonaws.com"}}})
add(K, case("Principal * with kms:CallerAccount + ViaService: account principal via Voice ID", D_KMS_CALLER + "; " + D_KMS_VIA, req("kms:GenerateDataKeyWithoutPlaintext", KEY, AGENT_SESSION, {"kms:ViaService": "voiceid.us-west-2.amazonaws.com"}), {"kmsKeyPolicy": via_all}, "Allow", [["kmsKeyPolicy", 1]], []))
add(K, case("Principal * with kms:CallerAccount: direct call", D_KMS_CALLER + "; " + D_KMS_VIA, req("kms:Decrypt", KEY, AGENT_SESSION), {"kmsKeyPolicy": via_all}, "ImplicitDeny", [], ["kms:ViaService"], "identity"))
add(K, case("Principal * with kms:CallerAccount: other account", D_KMS_CALLER + "; " + D_CROSS, req("kms:Decrypt", KEY, BOB_OTHER, {"kms:ViaService": "voiceid.us-west-2.amazonaws.com"}), {"kmsKeyPolicy": via_all, "identity": [pol(allow("kms:*"))]}, "ImplicitDeny", [], None, "resourcePolicy"))
# Cross-account KMS
xkp = pol(enable_iam | {"Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}}, {"Sid": "AllowExternalAccountUse", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"})
add(K, case("cross-account key: key policy allows the account, IAM allows", "KMS DG, Allowing users in other accounts to use a KMS key; " + D_CROSS, req("kms:Decrypt", KEY_OTHER), {"kmsKeyPolicy": xkp, "identity": [pol(allow("kms:Decrypt", KEY_OTHER))]}, "Allow"))
add(K, case("cross-account key: IAM does not allow", "KMS DG, Allowing users in other accounts to use a KMS key; " + D_CROSS, req("kms:Decrypt", KEY_OTHER), {"kmsKeyPolicy": xkp}, "ImplicitDeny", [], None, "identity"))
add(K, case("cross-account key: action not in the key policy", "KMS DG, Allowing users in other accounts to use a KMS key", req("kms:ScheduleKeyDeletion", KEY_OTHER), {"kmsKeyPolicy": xkp, "identity": [pol(allow("kms:*"))]}, "ImplicitDeny", [], None, "resourcePolicy"))
add(K, case("cross-account key: key policy does not name the account", "KMS DG, Allowing users in other accounts to use a KMS key", req("kms:Decrypt", KEY_OTHER), {"kmsKeyPolicy": pol(enable_iam | {"Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}}), "identity": [pol(allow("kms:*"))]}, "ImplicitDeny"))
add(K, case("cross-account key: wildcard action in key policy", "KMS DG, Allowing users in other accounts; " + D_ACTION, req("kms:ReEncryptFrom", KEY_OTHER), {"kmsKeyPolicy": xkp, "identity": [pol(allow("kms:ReEncrypt*", KEY_OTHER))]}, "Allow"))


def main():
    total = 0
    for name, cases in FILES.items():
        names = set()
        for c in cases:
            assert c["name"] not in names, f"duplicate case name in {name}: {c['name']}"
            names.add(c["name"])
        path = os.path.join(HERE, f"{name}.json")
        with open(path, "w") as f:
            json.dump({"file": name, "cases": cases}, f, indent=1)
            f.write("\n")
        total += len(cases)
        print(f"{name}: {len(cases)}")
    print(f"total: {total}")


if __name__ == "__main__":
    main()
