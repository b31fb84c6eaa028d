"""Demos 16 and 17 in their --quick mode (issue 16): DANN's reversed gradients, schedule,
domains and plumbing (40 steps cannot adapt: the measured table is in README.md); the
fair representation's claim in a quick form."""
from .test_demos import run  # noqa: F401  (the fixture)


def test_fair_representation_hides_the_attribute_and_keeps_the_task(run):
    _, results, _ = run("17_fair_representations.py")
    plain, fair = results["without_adversary"], results["with_adversary"]
    assert plain["fresh_adversary"] > 0.85 and plain["own_adversary"] > 0.85   # z gives a away
    assert fair["fresh_adversary"] < plain["fresh_adversary"] - 0.1            # ... much less with the adversary
    assert fair["fresh_adversary"] < results["label_alone"] + 0.05             # about down to what y itself tells
    assert fair["task"] > 0.85 and fair["task"] > plain["task"] - 0.03         # the label is still read


def test_dann_demo_checks_the_reversal_and_runs_both_methods(run):
    _, results, out = run("16_dann.py")
    assert results["reversal_error"] < 1e-12 < results["reversal_size"]  # exact, and not vacuous
    assert results["lambda"][0.0] == 0.0 and abs(results["lambda"][1.0] - 0.9999092) < 1e-7
    assert results["same_labels"]
    for method in ("source-only", "dann"):
        for key in ("target_accuracy", "source_accuracy", "domain_accuracy"):
            assert 0.0 <= results[method][key] <= 1.0
    for name in ("domains.png", "accuracy.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
