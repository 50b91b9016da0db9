"""Issue 17: fuzzing with Hypothesis. Arbitrary input never raises anything but our own errors.

Three readers of untrusted input: the URL-state decoder (``?page=...``), the
history index reader (``history/index.json``) and the upload reader (the
admin page's ``prepare_refresh``, which runs ``load_programs`` or the
FindTreatment.gov importer). Plus the escaping helpers' invariants.
"""

from __future__ import annotations

import json
import string

from apphelpers import copy_sample_data
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from finder.errors import FinderError, PublishError
from finder.load import load_programs
from finder.refresh import prepare_refresh
from finder.store.files import history
from finder.ui.safe import md
from finder.untrusted import terminal_text, web_url
from finder.urlstate import FIELDS, decode_params

KEYS = [f.key for f in FIELDS] + ["other", ""]
VALUES = st.one_of(
    st.text(),
    st.text(alphabet=string.digits + "²³¹٣０１,.-+ e"),
    st.lists(st.text(), max_size=5),
    st.none(),
)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8))
@example({"page": "²"})
@example({"page": ["²", "3"], "sl": [], "at": "99,999"})
def test_fuzz_url_state_decoder_never_raises_and_keeps_only_valid_values(params):
    state = decode_params(params)
    by_key = {f.key: f for f in FIELDS}
    for key, value in state.items():
        spec = by_key[key]
        if spec.kind == "int":
            assert isinstance(value, int)
            assert 1 <= value < 10_000
        elif spec.kind == "list":
            assert all(isinstance(v, str) for v in value)
            if spec.allowed:
                assert set(value) <= set(spec.allowed)
        elif spec.allowed:
            assert value in spec.allowed


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children,
                                                                      max_size=4),
    max_leaves=20,
)
ENTRY = st.fixed_dictionaries(
    {"version": st.sampled_from(["v0001", "v1", "x", 3]), "sha256": st.sampled_from(["0" * 64, "zz", 1]),
     "file": st.sampled_from(["v0001-x.csv", "../../victim.txt", "/etc/passwd", "a/b.csv", "", 5]),
     "status": st.sampled_from(["pending", "published", "other"])},
    optional={"created": JSON, "programs": JSON, "meta": JSON, "flagged_for_review": JSON},
)


@SETTINGS
@given(st.one_of(
    JSON.map(lambda doc: json.dumps(doc).encode()),
    st.lists(ENTRY, max_size=3).map(lambda es: json.dumps({"format": 1, "versions": es}).encode()),
    st.binary(max_size=200),
))
@example(b'{"versions": [{"version": "v0001"}]}')
@example(b"[" * 50_000)
def test_fuzz_history_index_reader_raises_only_publish_error(tmp_path_factory, raw):
    folder = copy_sample_data(tmp_path_factory.mktemp("data"))
    (folder / "history").mkdir()
    (folder / "history" / "index.json").write_bytes(raw)
    try:
        versions = history(folder)
    except PublishError as err:
        message = err.user_message
        assert message
        return
    assert all(v.file and "/" not in v.file for v in versions)


CSV_TEXT = st.lists(
    st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), min_size=1, max_size=6),
    max_size=6,
).map(lambda rows: "\n".join(",".join(cells) for cells in rows).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.one_of(st.binary(max_size=400), CSV_TEXT,
                 JSON.map(lambda doc: json.dumps({"rows": doc}).encode())))
@example(b'{"rows": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
@example(b"program_id\n\x00\x00")
@example(b"\xef\xbb\xbfprogram_id;city\n1;2")
def test_fuzz_upload_reader_never_raises_anything_but_our_errors(tmp_path_factory, data):
    folder = copy_sample_data(tmp_path_factory.mktemp("data"))
    try:
        plan = prepare_refresh(data, data_dir=folder, file_name="upload.csv")
    except FinderError:
        return
    assert plan.report.file_error is not None or plan.report.rows >= 0
    load_programs(data)  # the loader alone never raises either


@SETTINGS
@given(st.text())
def test_fuzz_escaped_markdown_has_no_bare_syntax(text):
    escaped = md(text)
    assert "\n" not in escaped
    index = 0
    while index < len(escaped):
        ch = escaped[index]
        if ch == "\\":
            assert index + 1 < len(escaped)
            index += 2
            continue
        assert not (ch.isascii() and ch in string.punctuation), escaped
        index += 1


@SETTINGS
@given(st.text())
def test_fuzz_web_url_is_either_refused_or_free_of_markup(text):
    url = web_url(text)
    if url is not None:
        assert url.startswith(("http://", "https://"))
        assert not any(ch in url for ch in "()[]!<>\"'` \\{}|^*")
        assert web_url(url) == url  # stable


@SETTINGS
@given(st.text())
def test_fuzz_terminal_text_has_no_control_characters(text):
    import unicodedata

    out = terminal_text(text)
    for i, ch in enumerate(out):
        if ch == "\r":
            assert out[i + 1:i + 2] == "\n"
        elif ch not in "\n\t\u00ad\u200c\u200d":
            assert unicodedata.category(ch) not in {"Cc", "Cf"}
