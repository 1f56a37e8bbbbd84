from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctguard.yamlload import MAX_DEPTH, LoadError, load


def test_short_intrinsics_become_long_forms_and_spans_are_one_based() -> None:
    loaded = load(
        "Resources:\n"
        "  Trail:\n"
        "    Properties:\n"
        "      S3BucketName: !Ref Bucket\n"
        "      KMSKeyId: !GetAtt Key.Arn\n"
        "      Name: !Sub 'trail-${Env}'\n"
        "      Flag: !If [IsProd, true, false]\n"
        "      Cond: !Condition IsProd\n"
    )
    props = loaded.data["Resources"]["Trail"]["Properties"]
    assert props["S3BucketName"] == {"Ref": "Bucket"}
    assert props["KMSKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}
    assert props["Name"] == {"Fn::Sub": "trail-${Env}"}
    assert props["Flag"] == {"Fn::If": ["IsProd", True, False]}
    assert props["Cond"] == {"Condition": "IsProd"}
    assert loaded.spans[("Resources", "Trail", "Properties", "KMSKeyId")] == (5, 7)
    assert loaded.value_spans[("Resources", "Trail", "Properties", "KMSKeyId")] == (5, 17)


def test_children_of_short_form_tags_are_keyed_like_the_long_form() -> None:
    short = load("A: !If\n  - C\n  - {k: 1}\n  - 2\n")
    long = load("A:\n  Fn::If:\n    - C\n    - {k: 1}\n    - 2\n")
    assert short.data == long.data == {"A": {"Fn::If": ["C", {"k": 1}, 2]}}
    assert short.spans[("A", "Fn::If", 1, "k")] == (3, 6)
    assert long.spans[("A", "Fn::If", 1, "k")] == (4, 8)


def test_yaml_scalars_follow_yaml_1_1_like_cloudformation() -> None:
    data = load("a: yes\nb: 'true'\nc: 0x10\nd: 1.5\ne: ~\nf: 2012-10-17\n").data
    assert data == {"a": True, "b": "true", "c": 16, "d": 1.5, "e": None, "f": "2012-10-17"}


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    loaded = load("A:\n  x: 1\n  y: 2\n  x: 3\n")
    (dup,) = loaded.duplicates
    assert (dup.path, dup.first_line, dup.line, dup.column) == (("A", "x"), 2, 4, 3)


def test_json_is_loaded_with_spans() -> None:
    loaded = load('{\n  "Resources": {\n    "T": {"Type": "AWS::CloudTrail::Trail"}\n  }\n}')
    assert loaded.spans[("Resources", "T")] == (3, 5)


def test_syntax_error_has_position() -> None:
    with pytest.raises(LoadError) as err:
        load("Resources:\n  T: [1, 2\n  U: 3\n")
    assert err.value.line == 3


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    with pytest.raises(LoadError, match="alias bomb"):
        load("\n".join(lines))
    assert time.perf_counter() - start < 30  # bounded: a linear check, not the expansion


def test_small_aliases_still_work() -> None:
    assert load("a: &x [1, 2]\nb: *x\n").data == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize(
    "text",
    [
        "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5),
        "a:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(MAX_DEPTH + 5)),
    ],
)
def test_deep_nesting_is_a_clear_error(text: str) -> None:
    with pytest.raises(LoadError, match="nesting"):
        load(text)


def test_python_tags_stay_plain_data_and_are_never_executed(tmp_path) -> None:
    marker = tmp_path / "pwned"
    loaded = load(f"a: !!python/object/apply:os.system ['touch {marker}']\nb: !!python/name:os.system x\n")
    assert loaded.data == {"a": [f"touch {marker}"], "b": "x"}
    assert not marker.exists()


def test_merge_keys_are_refused() -> None:
    with pytest.raises(LoadError, match="merge keys"):
        load("base: &b {x: 1}\nother:\n  <<: *b\n")


# --- JSON's escaped UTF-16 pairs ("\ud83d\ude80"), which YAML's parser refuses ----------------

_ASTRAL = st.text(alphabet=st.sampled_from(["a", " ", '"', "\\", "é", "\U0001f680", "\U00010000", "\U0010ffff"]))
_JSON = st.recursive(
    st.integers() | st.booleans() | _ASTRAL,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_ASTRAL, inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(doc=st.dictionaries(_ASTRAL, _JSON, min_size=1, max_size=4), indent=st.sampled_from([None, 2]))
def test_json_with_escaped_pairs_loads_like_json_with_spans_on_the_file(doc: dict, indent: int | None) -> None:
    """Python's json.dumps escapes every character outside the BMP as a pair (troposphere
    templates, scripted plans); such a file loads as json.loads reads it, and every key's span
    points at that key's opening quote in the file as written."""
    text = json.dumps(doc, indent=indent)  # ensure_ascii: pairs
    loaded = load(text, cfn_tags=False)
    assert loaded.data == json.loads(text)
    lines = text.split("\n")
    for path, (line, column) in loaded.spans.items():
        key = path[-1]
        if isinstance(key, str):
            assert lines[line - 1][column - 1 :].startswith(json.dumps(key)), (path, line, column)


def test_escaped_pairs_keep_error_columns_and_leave_yaml_alone() -> None:
    text = '{"a": "\\ud83d\\ude80", "b": [1,, 2]}'
    with pytest.raises(LoadError) as raised:
        load(text, cfn_tags=False)
    assert text[raised.value.column - 1] == ","  # the column in the file, not in the rewritten text
    # An escaped backslash before "ud83d" is text, and YAML files are not rewritten.
    assert load('{"c": "\\\\ud83d\\\\ude80"}', cfn_tags=False).data == {"c": "\\ud83d\\ude80"}
    with pytest.raises(LoadError):
        load('a: "\\ud83d\\ude80"\n', cfn_tags=False)
