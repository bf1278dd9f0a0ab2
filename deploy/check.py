#!/usr/bin/env python3
"""Checks deploy/template.yaml (or the template named as the argument): cfn-lint passes, and callseal's policy validator finds no ERROR in
any policy the template holds (key policies, trust policies, role policies, bucket policies).

Each policy is read with cfn-lint's own template decoder, its intrinsic functions (Ref, Fn::Sub,
Fn::GetAtt) are filled with example values of the right shape (an account id, a key ARN, ...), and
the policies are handed to `cargo run --bin callseal -- policy validate --type <type>`.
Exits 1 when either finds a problem. Run by `make test-deploy` (part of `make test`).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from cfnlint.decode import decode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "deploy", "template.yaml")

PSEUDO = {
    "AWS::AccountId": "111122223333",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "callseal",
}
# Example values for the parameters without a default.
PARAMETERS = {
    "RecordingsBucketName": "amazon-connect-recordings-example",
    "ConnectInstanceId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "OidcIssuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
    "OidcClientId": "example-client",
    "AllowedOrigins": "https://player.example.com",
    "CodeBucket": "callseal-deploy-example",
    "CodeKey": "broker.zip",
    "SealerCodeKey": "sealer.zip",
}

# Where policies live in each resource type: (property path, policy type for the validator).
POLICY_PLACES = {
    "AWS::KMS::Key": [(("KeyPolicy",), "kms-key")],
    "AWS::IAM::Role": [(("AssumeRolePolicyDocument",), "trust"), (("Policies", "*", "PolicyDocument"), "identity")],
    "AWS::IAM::ManagedPolicy": [(("PolicyDocument",), "identity")],
    "AWS::IAM::Policy": [(("PolicyDocument",), "identity")],
    "AWS::S3::BucketPolicy": [(("PolicyDocument",), "resource")],
    "AWS::SQS::QueuePolicy": [(("PolicyDocument",), "resource")],
}


def physical(logical, rtype, attribute):
    """An example value for Ref / Fn::GetAtt of a resource of the template."""
    a, r = PSEUDO["AWS::AccountId"], PSEUDO["AWS::Region"]
    name = logical.lower()
    if rtype == "AWS::KMS::Key":
        return f"arn:aws:kms:{r}:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab" if attribute == "Arn" else "1234abcd-12ab-34cd-56ef-1234567890ab"
    if rtype == "AWS::S3::Bucket":
        return f"arn:aws:s3:::callseal-{name}" if attribute == "Arn" else f"callseal-{name}"
    if rtype == "AWS::Logs::LogGroup":
        return f"arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{name}:*" if attribute == "Arn" else f"/aws/lambda/{name}"
    if rtype == "AWS::IAM::Role":
        return f"arn:aws:iam::{a}:role/{name}" if attribute == "Arn" else name
    if rtype == "AWS::Lambda::Function":
        return f"arn:aws:lambda:{r}:{a}:function:{name}" if attribute == "Arn" else name
    if rtype == "AWS::SQS::Queue":
        return f"arn:aws:sqs:{r}:{a}:{name}" if attribute == "Arn" else f"https://sqs.{r}.amazonaws.com/{a}/{name}"
    raise SystemExit(f"deploy/check.py: no example value for {logical} ({rtype}) {attribute or 'Ref'}")


def resolver(template):
    resources = template.get("Resources", {})
    parameters = template.get("Parameters", {})

    def lookup(name):
        if name in PSEUDO:
            return PSEUDO[name]
        if name in parameters:
            if "Default" in parameters[name]:
                return str(parameters[name]["Default"])
            if name in PARAMETERS:
                return PARAMETERS[name]
            raise SystemExit(f"deploy/check.py: parameter {name} needs an example value (PARAMETERS)")
        logical, _, attribute = name.partition(".")
        if logical in resources:
            return physical(logical, resources[logical]["Type"], attribute or None)
        raise SystemExit(f"deploy/check.py: {name} names nothing in the template")

    def resolve(node):
        if isinstance(node, dict):
            if len(node) == 1:
                (key, value), = node.items()
                if key == "Ref":
                    return lookup(value)
                if key == "Fn::GetAtt":
                    return lookup(".".join(value) if isinstance(value, list) else value)
                if key == "Fn::Sub":
                    text, extra = (value, {}) if isinstance(value, str) else (value[0], value[1])
                    return re.sub(r"\$\{([^}!]+)\}", lambda m: resolve(extra[m.group(1)]) if m.group(1) in extra else lookup(m.group(1)), text)
                if key.startswith("Fn::"):
                    raise SystemExit(f"deploy/check.py: {key} in a policy is not filled in by this check")
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve


def at(node, path):
    """The values at a property path ('*': every element of a list)."""
    if not path:
        return [node]
    head, rest = path[0], path[1:]
    if head == "*":
        return [v for item in (node if isinstance(node, list) else []) for v in at(item, rest)]
    return at(node[head], rest) if isinstance(node, dict) and head in node else []


def policies(template):
    """(name, policy type, policy JSON) of every policy in the template, intrinsics filled in."""
    resolve = resolver(template)
    for logical, resource in template.get("Resources", {}).items():
        for path, ptype in POLICY_PLACES.get(resource.get("Type"), []):
            for i, doc in enumerate(at(resource.get("Properties", {}), path)):
                yield f"{logical}.{path[0]}{'.' + str(i) if '*' in path else ''}", ptype, resolve(doc)


def main():
    failed = False
    lint = subprocess.run([os.path.join(os.path.dirname(sys.executable), "cfn-lint"), TEMPLATE])
    if lint.returncode != 0:
        print(f"deploy/check.py: cfn-lint found problems (exit {lint.returncode})")
        failed = True
    template, matches = decode(TEMPLATE)
    if template is None:
        raise SystemExit(f"deploy/check.py: {TEMPLATE} does not parse: {matches}")
    found = list(policies(template))
    with tempfile.TemporaryDirectory() as tmp:
        by_type = {}
        for name, ptype, doc in found:
            path = os.path.join(tmp, f"{name}.json")
            with open(path, "w") as f:
                json.dump(doc, f, indent=2)
            by_type.setdefault(ptype, []).append(path)
        for ptype, paths in sorted(by_type.items()):
            run = subprocess.run(["cargo", "run", "-q", "--bin", "callseal", "--", "policy", "validate", "--type", ptype, *paths], cwd=ROOT)
            if run.returncode != 0:
                print(f"deploy/check.py: callseal policy validate --type {ptype} exited {run.returncode}")
                failed = True
    print(f"deploy/check.py: {len(found)} policies in {os.path.relpath(TEMPLATE, ROOT)}: " + ", ".join(f"{n} ({t})" for n, t, _ in found))
    if failed:
        sys.exit(1)
    print("deploy/check.py: cfn-lint passes; callseal policy validate finds no ERROR")


if __name__ == "__main__":
    main()
