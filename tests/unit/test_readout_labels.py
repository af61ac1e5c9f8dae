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


def test_a_shared_folder_keeps_only_what_the_registry_decided() -> None:
    folder = LabelFolder(limit=2, shared=True)
    # undecided values fold into other (the label's sum stays whole) and wait for the registry
    assert [folder.fold("plan", p) for p in ("b", "a", "b")] == [OTHER, OTHER, OTHER]
    assert folder.unknown == {"plan": {"a", "b"}}
    folder.learn("plan", ["b", "z"])  # another worker had registered z first
    assert folder.unknown == {}
    assert [folder.fold("plan", p) for p in ("a", "b", "z")] == [OTHER, "b", "z"]
    assert folder.unknown == {}, "a full label never asks the registry again"


def test_a_shared_folder_asks_again_about_values_met_after_an_answer() -> None:
    folder = LabelFolder(limit=3, shared=True)
    folder.fold("team", "x")
    folder.learn("team", ["x"])
    assert folder.fold("team", "x") == "x"
    assert folder.fold("team", "y") == OTHER
    assert folder.unknown == {"team": {"y"}}
    assert fold_labels((("window", "7d"),), folder) == (("window", "7d"),)  # not free text
    assert "window" not in folder.unknown


def test_a_shared_folder_learns_a_label_it_has_no_question_about() -> None:
    # the worker re-reads the registry every few seconds for every label it knows
    folder = LabelFolder(limit=2, shared=True)
    folder.learn("plan", ["pro"])
    folder.learn("plan", ["pro", "basic"])
    assert folder.fold("plan", "basic") == "basic" and folder.unknown == {}
