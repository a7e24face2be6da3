"""The YAML loader: marks, limits, and a located error (never an exception) for every broken file."""

from __future__ import annotations

import time

import pytest

from gwc.load import MAX_BYTES, load_file, load_text


def test_marks_point_at_values_and_keys() -> None:
    doc, diags = load_text("a: 1\nb:\n  - {c: x}\n", "t.yaml")
    assert not diags
    assert doc.data == {"a": 1, "b": [{"c": "x"}]}
    assert (doc.mark("/b/0/c").line, doc.mark("/b/0/c").column) == (3, 9)
    assert (doc.mark("/b/0/c", key=True).line, doc.mark("/b/0/c", key=True).column) == (3, 6)
    assert doc.mark("/b/0/missing").line == 3  # falls back to the nearest parent


BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))

BAD = [
    ("not-yaml", "a: [1, 2\n", "GWC002", 2),
    ("tab-indent", "a:\n\t- b\n", "GWC002", 2),
    ("empty", "", "GWC003", 1),
    ("only-comment", "# nothing\n", "GWC003", 1),
    ("two-docs", "a: 1\n---\nb: 2\n", "GWC008", 3),
    ("duplicate-key", "a: 1\nb: 2\na: 3\n", "GWC006", 3),
    ("python-tag", "a: !!python/object/apply:os.system [ls]\n", "GWC007", 1),
    ("custom-tag", "a: !secret x\n", "GWC007", 1),
    ("merge-key", "base: &b {x: 1}\nc:\n  <<: *b\n", "GWC007", 3),
    ("infinity", "a: .inf\n", "GWC007", 1),
    ("nan", "a: .nan\n", "GWC007", 1),
    ("billion-laughs", BILLION_LAUGHS, "GWC005", None),
    ("deep-nesting", "a: " + "[" * 100 + "]" * 100 + "\n", "GWC005", None),
    ("nul-byte", "a: b\x00c\n", "GWC002", 1),
]


@pytest.mark.parametrize("name,text,code,line", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gives_one_located_error(name: str, text: str, code: str, line: int | None) -> None:
    started = time.monotonic()
    doc, diags = load_text(text, "bad.yaml")
    assert time.monotonic() - started < 1.0
    assert diags, name
    assert diags[0].code == code
    assert diags[0].file == "bad.yaml"
    if line is not None:
        assert diags[0].line == line
    assert diags[0].hint


def test_invalid_utf8_is_located() -> None:
    doc, diags = load_text(b"a: 1\nb: \xff\xfe\n", "bin.yaml")
    assert doc is None and diags[0].code == "GWC002" and diags[0].line == 2


def test_very_deep_flow_nesting_does_not_crash() -> None:
    doc, diags = load_text("[" * 20000 + "]" * 20000, "deep.yaml")
    assert diags and diags[0].code in ("GWC002", "GWC005")


def test_huge_text_is_refused_fast() -> None:
    started = time.monotonic()
    doc, diags = load_text("a: " + "x" * (MAX_BYTES + 1), "big.yaml")
    assert diags[0].code == "GWC004" and time.monotonic() - started < 1.0


def test_huge_file_is_refused_before_reading(tmp_path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    doc, diags = load_file(big)
    assert diags[0].code == "GWC004"


def test_missing_file(tmp_path) -> None:
    doc, diags = load_file(tmp_path / "nope.yaml")
    assert doc is None and diags[0].code == "GWC001" and "nope.yaml" in diags[0].file


def test_timestamps_and_versions_stay_text() -> None:
    doc, diags = load_text("when: 2024-01-01\nv: '1.0'\n", "t.yaml")
    assert doc.data == {"when": "2024-01-01", "v": "1.0"}


def test_yaml_11_booleans_as_keys_stay_text() -> None:
    doc, _ = load_text("on: [a]\n", "t.yaml")
    assert doc.data == {"on": ["a"]}
