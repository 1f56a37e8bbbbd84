"""Table of known AWS policy-evaluation behaviour, each row citing where AWS documents it.

Sources (AWS IAM User Guide; the markdown is also in awsdocs/iam-user-guide):
  EVAL      Policy evaluation logic / How AWS enforcement code logic evaluates requests
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
  EXPLICIT  The difference between explicit and implicit denies
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
  ACTION    IAM JSON policy elements: Action ("The prefix and the action name are case insensitive")
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
  NOTACTION IAM JSON policy elements: NotAction
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
  RESOURCE  IAM JSON policy elements: Resource (wildcards, case sensitivity, the amzn-s3-demo-bucket/*/test/* example)
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
  NOTRES    IAM JSON policy elements: NotResource
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
  PRINCIPAL IAM JSON policy elements: Principal ("Principal": "*" and {"AWS": "*"}; account principals; role sessions)
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
  NOTPRIN   IAM JSON policy elements: NotPrincipal
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
  CONDOPS   IAM JSON policy elements: Condition operators
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
            (awsdocs/iam-user-guide@0727b4d20a1c31c0a52fd05bbc27d501ef62d99b:doc_source/reference_policies_elements_condition_operators.md)
  MULTI     Conditions with multiple context keys or values (AND across operators and keys, OR across values, NOR for negated)
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
  SETOPS    Single-valued vs. multivalued context keys; set operators ForAllValues / ForAnyValue
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
            (awsdocs/iam-user-guide@027b8db402bace77fecac7af2dad2e5296bd0508:doc_source/reference_policies_multi-value-conditions.md)
  KEYS      IAM JSON policy elements: Condition ("Condition key names are not case-sensitive")
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
  VARS      IAM policy elements: Variables and tags; IAM JSON policy elements: Version (2008-10-17 -> variables are literal)
            https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

from typing import Any

import pytest

from ctguard.iam.document import PolicyDocumentError, normalize
from ctguard.iam.evaluate import Outcome, Principal, Request, evaluate
from ctguard.values import Unknown

A, D, I, U = Outcome.ALLOW, Outcome.EXPLICIT_DENY, Outcome.IMPLICIT_DENY, Outcome.UNKNOWN  # noqa: E741 - A, D, I, U: the outcome letters of the evaluation tables below
ALICE = Principal.aws("arn:aws:iam::111122223333:user/Alice")
BOB = Principal.aws("arn:aws:iam::111122223333:user/Bob")
OTHER = Principal.aws("arn:aws:iam::444455556666:user/Mallory")
TRAIL = Principal.service("cloudtrail.amazonaws.com")
OBJ = "arn:aws:s3:::bucket/key"
CT_ARN = "arn:aws:cloudtrail:us-east-1:111111111111:trail/main"


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version:
        out["Version"] = version
    return out


def st(effect: str = "Allow", action: Any = "s3:GetObject", resource: Any = OBJ, **extra: Any) -> dict[str, Any]:
    body = {"Effect": effect, "Action": action, "Resource": resource}
    for key, value in extra.items():
        body[key] = value
    if "NotAction" in extra:
        body.pop("Action")
    if "NotResource" in extra:
        body.pop("Resource")
    return body


def rq(action: str = "s3:GetObject", resource: Any = OBJ, principal: Principal = ALICE, **context: Any) -> Request:
    # aws__PrincipalTag__team -> aws:PrincipalTag/team, s3__max_keys -> s3:max-keys
    keys = {k: k.replace("__", ":", 1).replace("__", "/").replace("_", "-") for k in context}
    return Request(principal, action, resource, {keys[k]: v for k, v in context.items()})


def cond(op: str, key: str, value: Any) -> dict[str, Any]:
    return {"Condition": {op: {key: value}}}


ALLOW_ALL = st("Allow", "*", "*")
# (identity-based policies unless resource_based is True)
CASES: list[Any] = [
    # EVAL: an Allow that matches action and resource allows.
    pytest.param([doc(st())], rq(), False, A, id="allow-exact"),
    # EVAL: by default every request is implicitly denied.
    pytest.param([doc(st(resource="arn:aws:s3:::other/*"))], rq(), False, I, id="implicit-deny"),
    # EXPLICIT: "the Deny statement trumps the Allow statement".
    pytest.param([doc(ALLOW_ALL, st("Deny"))], rq(), False, D, id="deny-beats-allow"),
    # EVAL: all applicable policies are evaluated together; a Deny in any of them wins.
    pytest.param([doc(ALLOW_ALL), doc(st("Deny", "s3:*", "*"))], rq(), False, D, id="deny-in-other-document"),
    # ACTION: "The prefix and the action name are case insensitive".
    pytest.param([doc(st(action="S3:getobject"))], rq(), False, A, id="action-case-insensitive"),
    # ACTION: multi-character wildcard.
    pytest.param([doc(st(action="s3:Get*"))], rq(), False, A, id="action-star"),
    # ACTION: single-character wildcard.
    pytest.param([doc(st(action="s3:GetObjec?"))], rq(), False, A, id="action-question-mark"),
    # ACTION: a wildcard that does not cover the action does not match.
    pytest.param([doc(st(action="s3:Put*"))], rq(), False, I, id="action-star-no-match"),
    # ACTION: a list of actions is OR'd.
    pytest.param([doc(st(action=["iam:GetUser", "s3:GetObject"]))], rq(), False, A, id="action-list"),
    # NOTACTION: Allow with NotAction allows everything except the listed actions.
    pytest.param([doc(st(NotAction="iam:*"))], rq(), False, A, id="notaction-allows-others"),
    # NOTACTION: ... and not the listed ones.
    pytest.param(
        [doc(st(NotAction="iam:*", resource="*"))], rq("iam:CreateUser", "*"), False, I, id="notaction-excludes"
    ),
    # NOTACTION: Deny with NotAction denies everything except the listed actions.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", NotAction="s3:GetObject"))], rq("s3:PutObject"), False, D, id="deny-notaction"
    ),
    # RESOURCE: ARNs are case sensitive ("the IAM user name is case sensitive").
    pytest.param([doc(st(resource="arn:aws:s3:::Bucket/key"))], rq(), False, I, id="resource-case-sensitive"),
    # RESOURCE: amzn-s3-demo-bucket/*/test/* matches amzn-s3-demo-bucket/1///test///object.jpg.
    pytest.param(
        [doc(st(resource="arn:aws:s3:::b/*/test/*"))],
        rq(resource="arn:aws:s3:::b/1///test///object.jpg"),
        False,
        A,
        id="resource-doc-match",
    ),
    # RESOURCE: ... and not amzn-s3-demo-bucket/1-test/object.jpg.
    pytest.param(
        [doc(st(resource="arn:aws:s3:::b/*/test/*"))],
        rq(resource="arn:aws:s3:::b/1-test/object.jpg"),
        False,
        I,
        id="resource-doc-no-match",
    ),
    # RESOURCE: "*" that ends a segment expands beyond the colon boundaries.
    pytest.param(
        [doc(st(action="logs:*", resource="arn:aws:logs:*"))],
        rq("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s"),
        False,
        A,
        id="resource-segment-star",
    ),
    # NOTRES: Allow with NotResource covers every other resource.
    pytest.param([doc(st(NotResource="arn:aws:s3:::secret/*"))], rq(), False, A, id="notresource-other"),
    # NOTRES: ... but not the excluded one.
    pytest.param([doc(st(NotResource="arn:aws:s3:::bucket/*"))], rq(), False, I, id="notresource-excluded"),
    # PRINCIPAL: "Principal": "*" grants everyone, anonymous callers included.
    pytest.param([doc(st(Principal="*"))], rq(principal=Principal.anonymous()), True, A, id="principal-star-anonymous"),
    # PRINCIPAL: {"AWS": "*"} is equivalent to "*".
    pytest.param(
        [doc(st(Principal={"AWS": "*"}))], rq(principal=Principal.anonymous()), True, A, id="principal-aws-star"
    ),
    # PRINCIPAL: an account id delegates to every principal of that account.
    pytest.param([doc(st(Principal={"AWS": "111122223333"}))], rq(), True, A, id="principal-account-id"),
    # PRINCIPAL: arn:aws:iam::<acct>:root is the same as the account id; other accounts do not match.
    pytest.param(
        [doc(st(Principal={"AWS": "arn:aws:iam::111122223333:root"}))],
        rq(principal=OTHER),
        True,
        I,
        id="principal-root-other-account",
    ),
    # PRINCIPAL: a service principal names the service.
    pytest.param(
        [doc(st(Principal={"Service": "cloudtrail.amazonaws.com"}))],
        rq(principal=TRAIL),
        True,
        A,
        id="principal-service",
    ),
    # PRINCIPAL: ... and not an IAM user.
    pytest.param(
        [doc(st(Principal={"Service": "cloudtrail.amazonaws.com"}))], rq(), True, I, id="principal-service-not-user"
    ),
    # PRINCIPAL: a role ARN covers sessions of that role (assumed-role session principals).
    pytest.param(
        [doc(st(Principal={"AWS": "arn:aws:iam::111122223333:role/R"}))],
        rq(principal=Principal.aws("arn:aws:sts::111122223333:assumed-role/R/s1")),
        True,
        A,
        id="principal-role-session",
    ),
    # NOTPRIN: Deny with NotPrincipal denies everyone not listed.
    pytest.param(
        [doc(st(Principal="*"), st("Deny", NotPrincipal={"AWS": ["arn:aws:iam::111122223333:user/Bob"]}))],
        rq(),
        True,
        D,
        id="notprincipal-deny-others",
    ),
    # NOTPRIN: ... and not the listed principal.
    pytest.param(
        [doc(st(Principal="*"), st("Deny", NotPrincipal={"AWS": ["arn:aws:iam::111122223333:user/Bob"]}))],
        rq(principal=BOB),
        True,
        A,
        id="notprincipal-spares-listed",
    ),
    # CONDOPS: "If the policy condition requires that the key is not matched ... and the right key is not present, the condition is true".
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("StringNotEquals", "aws:SourceVpce", "vpce-1")))],
        rq(),
        False,
        D,
        id="stringnotequals-missing-true",
    ),
    # CONDOPS: a negated operator on a present, different value is true.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("StringNotEquals", "aws:SourceVpce", "vpce-1")))],
        rq(aws__SourceVpce="vpce-2"),
        False,
        D,
        id="stringnotequals-different",
    ),
    # CONDOPS: ... and false on the same value.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("StringNotEquals", "aws:SourceVpce", "vpce-1")))],
        rq(aws__SourceVpce="vpce-1"),
        False,
        A,
        id="stringnotequals-same",
    ),
    # CONDOPS: "If the key ... is not present in the request context, the values do not match".
    pytest.param(
        [doc(st(**cond("StringEquals", "aws:PrincipalTag/team", "a")))], rq(), False, I, id="stringequals-missing-false"
    ),
    # CONDOPS (IfExists): "If the key is not present, evaluate the condition element as true".
    pytest.param(
        [doc(st(**cond("StringEqualsIfExists", "aws:PrincipalTag/team", "a")))],
        rq(),
        False,
        A,
        id="ifexists-missing-true",
    ),
    # CONDOPS (IfExists): with a negated operator and Deny "the request is still denied even if the tag is missing".
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("StringNotEqualsIfExists", "aws:PrincipalTag/team", "a")))],
        rq(),
        False,
        D,
        id="notequals-ifexists-deny",
    ),
    # CONDOPS (IfExists): a present key is still checked.
    pytest.param(
        [doc(st(**cond("StringEqualsIfExists", "aws:PrincipalTag/team", "a")))],
        rq(aws__PrincipalTag__team="b"),
        False,
        I,
        id="ifexists-present-checked",
    ),
    # CONDOPS (Null): "true (the key doesn't exist — it is null)".
    pytest.param([doc(st(**cond("Null", "aws:TokenIssueTime", "true")))], rq(), False, A, id="null-true-missing"),
    # CONDOPS (Null): "false (the key exists and its value is not null)".
    pytest.param([doc(st(**cond("Null", "aws:TokenIssueTime", "false")))], rq(), False, I, id="null-false-missing"),
    # SETOPS: ForAllValues "also returns true if there are no context keys in the request".
    pytest.param(
        [doc(st(**cond("ForAllValues:StringEquals", "aws:TagKeys", ["a"])))],
        rq(),
        False,
        A,
        id="forallvalues-missing-true",
    ),
    # SETOPS: "If the key values in the request resolve to an empty data set ... ForAllValues returns true".
    pytest.param(
        [doc(st(**cond("ForAllValues:StringEquals", "aws:TagKeys", ["a"])))],
        rq(aws__TagKeys=[]),
        False,
        A,
        id="forallvalues-empty-true",
    ),
    # SETOPS: ... "and a condition operator modified by ForAnyValue returns false".
    pytest.param(
        [doc(st(**cond("ForAnyValue:StringEquals", "aws:TagKeys", ["a"])))],
        rq(aws__TagKeys=[]),
        False,
        I,
        id="foranyvalue-empty-false",
    ),
    # SETOPS: PostDateTime+UserName against [PostDateTime, Message, Tags]: "no match for UserName, so ... false".
    pytest.param(
        [
            doc(
                st(
                    **cond(
                        "ForAllValues:StringLike", "dynamodb:requestedAttributes", ["PostDateTime", "Message", "Tags"]
                    )
                )
            )
        ],
        rq(dynamodb__requestedAttributes=["PostDateTime", "UserName"]),
        False,
        I,
        id="forallvalues-one-outside",
    ),
    # SETOPS: Deny ForAnyValue [ID, PostDateTime] with UserName, Message, PostDateTime: "the request is denied".
    pytest.param(
        [
            doc(
                ALLOW_ALL,
                st("Deny", **cond("ForAnyValue:StringLike", "dynamodb:requestedAttributes", ["ID", "PostDateTime"])),
            )
        ],
        rq(dynamodb__requestedAttributes=["UserName", "Message", "PostDateTime"]),
        False,
        D,
        id="foranyvalue-deny-match",
    ),
    # CONDOPS (Bool): the documented TLS deny, value "false" as a string.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", "s3:*", **cond("Bool", "aws:SecureTransport", "false")))],
        rq(aws__SecureTransport=False),
        False,
        D,
        id="bool-string-false",
    ),
    # CONDOPS (Bool): the same with a JSON boolean false.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", "s3:*", **cond("Bool", "aws:SecureTransport", False)))],
        rq(aws__SecureTransport=False),
        False,
        D,
        id="bool-json-false",
    ),
    # CONDOPS (Bool): TLS requests are not caught by the deny.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", "s3:*", **cond("Bool", "aws:SecureTransport", "false")))],
        rq(aws__SecureTransport=True),
        False,
        A,
        id="bool-tls-passes",
    ),
    # CONDOPS (ARN): each component may hold wildcards.
    pytest.param(
        [doc(st(**cond("ArnLike", "aws:SourceArn", "arn:aws:cloudtrail:*:111111111111:trail/*")))],
        rq(aws__SourceArn=CT_ARN),
        False,
        A,
        id="arnlike-wildcards",
    ),
    # CONDOPS (ARN): the someservice example: StringLike matches ...
    pytest.param(
        [doc(st(**cond("StringLike", "aws:SourceArn", "arn:aws:someservice:*:111122223333:finance/*")))],
        rq(aws__SourceArn="arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"),
        False,
        A,
        id="stringlike-crosses-colons",
    ),
    # CONDOPS (ARN): ... but ArnLike "matches elements between colons" and fails.
    pytest.param(
        [doc(st(**cond("ArnLike", "aws:SourceArn", "arn:aws:someservice:*:111122223333:finance/*")))],
        rq(aws__SourceArn="arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"),
        False,
        I,
        id="arnlike-per-component",
    ),
    # MULTI: several values for one key are OR'd.
    pytest.param(
        [doc(st(**cond("StringEquals", "aws:PrincipalTag/team", ["a", "b"])))],
        rq(aws__PrincipalTag__team="b"),
        False,
        A,
        id="values-or",
    ),
    # MULTI: several keys under one operator are AND'd.
    pytest.param(
        [doc(st(Condition={"StringEquals": {"aws:PrincipalTag/team": "a", "aws:PrincipalTag/role": "x"}}))],
        rq(aws__PrincipalTag__team="a", aws__PrincipalTag__role="y"),
        False,
        I,
        id="keys-and",
    ),
    # MULTI: several operators are AND'd.
    pytest.param(
        [doc(st(Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}, "Bool": {"aws:SecureTransport": "true"}}))],
        rq(aws__PrincipalTag__team="a", aws__SecureTransport=False),
        False,
        I,
        id="operators-and",
    ),
    # MULTI: a negated operator's values are NOR'd (not "a" and not "b").
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("StringNotEquals", "aws:PrincipalTag/role", ["audit", "security"])))],
        rq(aws__PrincipalTag__role="audit"),
        False,
        A,
        id="negated-values-nor",
    ),
    # CONDOPS: StringEqualsIgnoreCase.
    pytest.param(
        [doc(st(**cond("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "ADMINS")))],
        rq(aws__PrincipalTag__team="admins"),
        False,
        A,
        id="stringequals-ignorecase",
    ),
    # CONDOPS: StringEquals is case sensitive.
    pytest.param(
        [doc(st(**cond("StringEquals", "aws:PrincipalTag/team", "ADMINS")))],
        rq(aws__PrincipalTag__team="admins"),
        False,
        I,
        id="stringequals-case",
    ),
    # KEYS: condition key names are case-insensitive (AWS:SourceArn in the SNS topic policy).
    pytest.param(
        [doc(st(**cond("StringEquals", "AWS:SourceArn", CT_ARN)))],
        rq(aws__SourceArn=CT_ARN),
        False,
        A,
        id="key-name-case",
    ),
    # CONDOPS (IP): IpAddress with a CIDR.
    pytest.param(
        [doc(st(**cond("IpAddress", "aws:SourceIp", "203.0.113.0/24")))],
        rq(aws__SourceIp="203.0.113.9"),
        False,
        A,
        id="ipaddress",
    ),
    # CONDOPS (IP): NotIpAddress outside the range is true.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("NotIpAddress", "aws:SourceIp", "203.0.113.0/24")))],
        rq(aws__SourceIp="198.51.100.1"),
        False,
        D,
        id="notipaddress",
    ),
    # CONDOPS (Numeric): s3:max-keys up to 10.
    pytest.param(
        [doc(st(**cond("NumericLessThanEquals", "s3:max-keys", "10")))],
        rq(s3__max_keys="11"),
        False,
        I,
        id="numeric-above",
    ),
    # CONDOPS (Numeric): ... and 10 or fewer are allowed.
    pytest.param(
        [doc(st(**cond("NumericLessThanEquals", "s3:max-keys", "10")))],
        rq(s3__max_keys="10"),
        False,
        A,
        id="numeric-within",
    ),
    # CONDOPS (Date): DateGreaterThan on aws:TokenIssueTime.
    pytest.param(
        [doc(st(**cond("DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z")))],
        rq(aws__TokenIssueTime="2021-06-01T00:00:00Z"),
        False,
        A,
        id="date",
    ),
    # VARS: ${aws:username} is replaced by the request's value.
    pytest.param(
        [doc(st(resource="arn:aws:s3:::bucket/home/${aws:username}/*"))],
        rq(resource="arn:aws:s3:::bucket/home/Alice/x", aws__username="Alice"),
        False,
        A,
        id="variable-resolved",
    ),
    # VARS: with Version 2008-10-17 variables are literal strings.
    pytest.param(
        [doc(st(resource="arn:aws:s3:::bucket/home/${aws:username}/*"), version="2008-10-17")],
        rq(resource="arn:aws:s3:::bucket/home/Alice/x", aws__username="Alice"),
        False,
        I,
        id="variable-old-version-literal",
    ),
    # Three-valued (ctguard): an Unknown condition value that decides the statement -> UNKNOWN.
    pytest.param(
        [doc(st(**cond("StringEquals", "aws:SourceArn", Unknown("!Sub with TrailName parameter"))))],
        rq(aws__SourceArn=CT_ARN),
        False,
        U,
        id="unknown-decides",
    ),
    # Three-valued (ctguard): an Unknown in a statement whose Action already fails cannot matter.
    pytest.param(
        [doc(st(action="iam:*", **cond("StringEquals", "aws:SourceArn", Unknown("param"))))],
        rq(),
        False,
        I,
        id="unknown-irrelevant",
    ),
    # Three-valued (ctguard): an Unknown Effect cannot hide a definite Deny elsewhere.
    pytest.param([doc(st(Unknown("effect param")), st("Deny"))], rq(), False, D, id="unknown-effect-definite-deny"),
    # Three-valued (ctguard) + CONDOPS (Null tests presence only): a present key of unknown value decides Null.
    pytest.param(
        [doc(st(**cond("Null", "aws:SourceArn", "false")))],
        rq(aws__SourceArn=Unknown("trail ARN")),
        False,
        A,
        id="null-present-unknown-value",
    ),
    # CONDOPS (ARN condition operators): ArnEquals, like ArnLike, checks each colon-delimited component with wildcards.
    pytest.param(
        [doc(st(**cond("ArnEquals", "aws:SourceArn", "arn:aws:cloudtrail:*:111111111111:trail/*")))],
        rq(aws__SourceArn=CT_ARN),
        False,
        A,
        id="arnequals-wildcards",
    ),
    # CONDOPS + MULTI: a negated operator (ArnNotEquals) on a key absent from the request evaluates to true.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("ArnNotEquals", "aws:SourceArn", CT_ARN)))],
        rq(),
        False,
        D,
        id="arnnotequals-missing-true",
    ),
    # CONDOPS: ArnNotLike with a matching value does not apply.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("ArnNotLike", "aws:SourceArn", "arn:aws:cloudtrail:*:111111111111:*")))],
        rq(aws__SourceArn=CT_ARN),
        False,
        A,
        id="arnnotlike-match-skips-deny",
    ),
    # CONDOPS (...IfExists): "If the policy key is not present in the request context, the condition evaluates to true".
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false")))],
        rq(),
        False,
        D,
        id="boolifexists-missing-true",
    ),
    # CONDOPS (...IfExists): a present key is compared as without IfExists.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false")))],
        rq(aws__MultiFactorAuthPresent=True),
        False,
        A,
        id="boolifexists-present-true",
    ),
    # MULTI: values of a negated operator are NOR'd, so StringNotLike fails when any pattern matches.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", **cond("StringNotLike", "aws:PrincipalTag/team", ["sec*", "audit"])))],
        rq(aws__PrincipalTag__team="security"),
        False,
        A,
        id="stringnotlike-nor",
    ),
    # CONDOPS (StringLike): "?" matches exactly one character.
    pytest.param(
        [doc(st(**cond("StringLike", "aws:PrincipalTag/team", "team-?")))],
        rq(aws__PrincipalTag__team="team-ab"),
        False,
        I,
        id="stringlike-question-one-char",
    ),
    # SETOPS: ForAnyValue is true when at least one request value matches.
    pytest.param(
        [doc(st(**cond("ForAnyValue:StringEquals", "aws:TagKeys", ["owner"])))],
        rq(aws__TagKeys=["env", "owner"]),
        False,
        A,
        id="foranyvalue-one-match",
    ),
    # SETOPS: ForAllValues is true when every request value matches one of the policy values.
    pytest.param(
        [doc(st(**cond("ForAllValues:StringLike", "aws:TagKeys", ["env*", "owner"])))],
        rq(aws__TagKeys=["environment", "owner"]),
        False,
        A,
        id="forallvalues-all-inside",
    ),
    # PRINCIPAL: "Principal": "*" grants to every principal, AWS service principals included.
    pytest.param(
        [doc(st(action="sns:Publish", resource="*", Principal="*"))],
        rq("sns:Publish", "arn:aws:sns:us-east-1:1:t", TRAIL),
        True,
        A,
        id="principal-star-service",
    ),
    # NOTRES: a Deny with NotResource denies every resource except the listed ones.
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", "s3:*", NotResource=["arn:aws:s3:::bucket/*"]))],
        rq(resource="arn:aws:s3:::other/key"),
        False,
        D,
        id="deny-notresource-others",
    ),
    pytest.param(
        [doc(ALLOW_ALL, st("Deny", "s3:*", NotResource=["arn:aws:s3:::bucket/*"]))],
        rq(),
        False,
        A,
        id="deny-notresource-listed",
    ),
    # ACTION: a wildcard may sit anywhere in the action name ("iam:*AccessKey*").
    pytest.param([doc(st(action="s3:*Object"))], rq("s3:PutObject"), False, A, id="action-inner-star"),
    # Three-valued (ctguard): "*" names every resource, even an unknown one.
    pytest.param(
        [doc(st(resource="*"))], rq(resource=Unknown("bucket name parameter")), False, A, id="unknown-resource-star"
    ),
]


@pytest.mark.parametrize("documents, request_, resource_based, expected", CASES)
def test_known_aws_behaviour(documents: list[Any], request_: Request, resource_based: bool, expected: Outcome) -> None:
    decision = evaluate(documents, request_, resource_based=resource_based)
    assert decision.outcome is expected, decision.reason


def test_unknown_deny_without_allow_is_still_not_allowed() -> None:
    # Whether it is an explicit or implicit deny depends on the Unknown, but it is never allowed.
    decision = evaluate(
        [doc(st("Deny", **cond("StringEquals", "aws:SourceArn", Unknown("p"))))],
        rq(aws__SourceArn=CT_ARN),
        resource_based=False,
    )
    assert decision.outcome is U and decision.allowed is False
    assert "p" in decision.reason


def test_deciding_statement_is_reported() -> None:
    decision = evaluate([doc(dict(st(), Sid="First"), dict(st("Deny"), Sid="Second"))], rq(), resource_based=False)
    assert decision.statement is not None and decision.statement.sid == "Second" and decision.statement.index == 1


@pytest.mark.parametrize(
    "document, message",
    [
        ({"Version": "2012-10-17"}, "no Statement"),
        ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}]}, "both set"),
        ({"Statement": {"Effect": "Permit", "Action": "s3:*", "Resource": "*"}}, "Effect"),
        ({"Statement": {"Effect": "Allow", "Resource": "*"}}, "neither Action nor NotAction"),
        ({"Statement": {"Effect": "Allow", "Action": 3, "Resource": "*"}}, "Action is int"),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"StringEqualz": {"k": "v"}},
                }
            },
            "unknown condition operator",
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"NullIfExists": {"k": "true"}},
                }
            },
            "Null takes",
        ),
        ({"Statement": {"Effect": "Allow", "Action": "s3:*", "Principal": {"Users": "x"}}}, "unknown principal type"),
        ({"Version": "2020-01-01", "Statement": []}, "Version"),
        (["not", "a", "dict"], "expected an object"),
    ],
)
def test_malformed_documents_are_rejected(document: Any, message: str) -> None:
    # IAM rejects these at PutPolicy time ("IAM JSON policy grammar"), so they never grant anything.
    with pytest.raises(PolicyDocumentError, match=message):
        normalize(document)


def test_principal_in_identity_policy_and_missing_principal_in_resource_policy() -> None:
    with pytest.raises(PolicyDocumentError):
        evaluate([doc(st(Principal="*"))], rq(), resource_based=False)
    with pytest.raises(PolicyDocumentError):
        evaluate([doc(st())], rq(), resource_based=True)


def test_account_id_principal_is_the_root_arn() -> None:
    assert Principal.aws("123456789012").id == "arn:aws:iam::123456789012:root"
    assert Principal.aws("arn:aws:iam::123456789012:user/u").account == "123456789012"


def test_generated_name_token_is_literal_not_a_variable() -> None:
    # Parsers spell a name CloudFormation generates as ${LogicalId}; no policy variable lacks a colon.
    policy = doc(st(resource="arn:aws:s3:::${TrailBucket}/AWSLogs/*"))
    assert evaluate([policy], rq(resource="arn:aws:s3:::${TrailBucket}/AWSLogs/1/x"), resource_based=False).outcome is A
    assert evaluate([policy], rq(resource="arn:aws:s3:::other/AWSLogs/1/x"), resource_based=False).outcome is I
