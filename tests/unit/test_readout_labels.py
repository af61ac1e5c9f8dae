"""Free-text labels (plan, team) are folded into "other" past a budget kept per label."""

from __future__ import annotations

from streams.metrics.readout import OTHER, LabelFolder, fold_labels


def test_each_free_text_label_has_its_own_budget() -> None:
    folder = LabelFolder(limit=1)
    assert fold_labels((("plan", "pro"), ("team", "emea"), ("window", "7d")), folder) == (
        ("plan", "pro"),
        ("team", "emea"),
        ("window", "7d"),
    )
    assert fold_labels((("plan", "basic"), ("team", "emea"), ("window", "1h")), folder) == (
        ("plan", OTHER),
        ("team", "emea"),
        ("window", "1h"),
    )


def test_the_default_budget_is_fifty_values() -> None:
    folder = LabelFolder()
    assert [folder.fold("plan", f"p{i}") for i in range(50)] == [f"p{i}" for i in range(50)]
    assert folder.fold("plan", "p50") == OTHER
    assert folder.fold("plan", "p7") == "p7"  # a value kept stays kept
