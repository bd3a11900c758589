"""Private means private: the private folder 0700, its files 0600, found from a stage's options."""

from __future__ import annotations

import stat

import pytest

from pipeline import privacy


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("module", "options", "root"),
    [
        ("pipeline.anonymise.stage", {"key": "priv/anonymisation_key.json"}, "priv"),
        ("pipeline.verify.stage", {"report": "p/q/verify_report.csv"}, "p/q"),
        ("pipeline.ingest.stage", {"private": "secret"}, "secret"),
        # the shareable anonymised turns end like the private turns' path: not private
        ("pipeline.anonymise.stage", {"out_turns": "outputs/anonymised/turns.parquet"}, None),
    ],
)
def test_when_stage_options_named_then_private_root_found(tmp_path, module, options, root):
    roots = privacy.private_roots(options, module)
    assert roots == ({privacy.Path(root)} if root else set())


def test_when_private_tree_protected_then_folders_0700_and_files_0600(tmp_path):
    root = tmp_path / "private"
    (root / "sub").mkdir(parents=True)
    (root / "anonymisation_key.json").write_text("{}", encoding="utf-8")
    (root / "sub" / "turns.parquet").write_bytes(b"x")
    (root / "anonymisation_key.json").chmod(0o644)
    privacy.protect_tree(root)
    assert _mode(root) == 0o700 and _mode(root / "sub") == 0o700
    assert _mode(root / "anonymisation_key.json") == 0o600
    assert _mode(root / "sub" / "turns.parquet") == 0o600


def test_when_stage_runs_through_its_door_then_private_files_end_0600(tmp_path):
    from pipeline.entry import guarded

    key = tmp_path / "private" / "anonymisation_key.json"

    def main(key=key):
        assert _mode(key.parent) == 0o700  # tightened before anything is written
        key.write_text("{}", encoding="utf-8")

    main.__module__ = "pipeline.anonymise.stage"
    guarded(main)(key=key)
    assert _mode(key) == 0o600
