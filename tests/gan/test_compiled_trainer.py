"""GANTrainer(compile=True) against the eager trainer (the oracle), for every preset of
``npgan train``: the same metrics and weights bit for bit, in float64 and float32,
through a reload of a mid-run state_dict into the same trainer (load_state_dict replaces
the parameters' arrays, so the captured program must be traced again), with the lr decay
of the presets that have it (replay reads the lr the scheduler set). Every preset is
captured (no fallback line); a step that capture refuses runs eagerly, bit for bit too."""
import numpy as np
import pytest

from npgan import random as ng_random
from npgan.app.presets import PRESETS, TrainConfig
from npgan.app.run import make_trainer

STEPS, RELOAD_AT, RELOAD_AFTER = 7, 3, 5  # compiled: steps 1-5, back to the state after step 3, steps 4-7


def _trainer(name, dtype, compile, game=None):
    small = {"hidden": (8, 8)} if PRESETS[name].architecture == "mlp" else {}
    n_critic = min(PRESETS[name].n_critic, 2)  # the critic loop runs; fewer steps keep the test fast
    config = TrainConfig(model=name, dtype=dtype, batch_size=8, steps=STEPS, n_critic=n_critic, compile=compile,
                         **small).resolved()
    trainer = make_trainer(config)[0]
    if game is not None:
        trainer.game = game(trainer.game)
    return trainer


def _weights(trainer):
    return [p.data.copy() for p in list(trainer.G.parameters()) + list(trainer.D.parameters())]


def _state(trainer):
    return trainer.state_dict(), ng_random.get_rng_state()


def _reload(trainer, saved):
    trainer.load_state_dict(saved[0])
    ng_random.set_rng_state(saved[1])


def _compiled_equals_eager(name, dtype, capsys, game=None):
    """Run eager and compiled (with the reload) and compare; the stderr lines of the compiled run."""
    eager = _trainer(name, dtype, compile=False, game=game)
    want = [eager.step() for _ in range(STEPS)]
    want_weights = _weights(eager)
    assert capsys.readouterr().err == ""

    compiled = _trainer(name, dtype, compile=True, game=game)
    got = []
    for step in range(1, RELOAD_AFTER + 1):
        got.append(compiled.step())
        if step == RELOAD_AT:
            saved = _state(compiled)
    captured = compiled._run_update.replays()
    _reload(compiled, saved)
    assert not compiled._run_update.replays()  # new parameter arrays: traced again
    got += [compiled.step() for _ in range(RELOAD_AT, STEPS)]

    assert got[:RELOAD_AFTER] == want[:RELOAD_AFTER]
    assert got[RELOAD_AFTER:] == want[RELOAD_AT:]
    for g, w in zip(_weights(compiled), want_weights):
        np.testing.assert_array_equal(g, w)
    return captured, compiled._run_update.replays(), capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_compiled_trainer_equals_eager_bit_for_bit(name, dtype, capsys):
    captured, captured_after_reload, lines = _compiled_equals_eager(name, dtype, capsys)
    assert lines == [], "a captured preset printed a fallback line"
    assert captured and captured_after_reload


class ReadsALossInPython:
    """A game whose G cost passes through float(): capture must refuse it."""

    def __init__(self, game):
        self.game = game

    def __getattr__(self, name):
        return getattr(self.game, name)

    def generator_loss(self, D, fake, rng=None):
        loss = self.game.generator_loss(D, fake, rng)
        float(loss)  # a Python value of the data: what a replay could not recompute
        return loss


def test_a_refused_step_runs_eagerly_bit_for_bit_after_one_line(capsys):
    captured, captured_after_reload, lines = _compiled_equals_eager("nsgan", "float64", capsys, ReadsALossInPython)
    assert not captured and not captured_after_reload
    assert len(lines) == 1 and lines[0].startswith("npgan.compile: running the step eagerly"), lines
    assert "Tensor.item() (or float() or int() of a tensor)" in lines[0], lines[0]


def test_a_mode_change_traces_again_and_stays_equal_to_eager():
    runs = []
    for compile in (False, True):
        trainer = _trainer("nsgan", "float64", compile)
        metrics = [trainer.step() for _ in range(3)]
        if compile:
            assert trainer._run_update.replays()
        trainer.G.eval()
        if compile:
            assert not trainer._run_update.replays()
        metrics += [trainer.step() for _ in range(3)]
        trainer.G.train()
        metrics += [trainer.step() for _ in range(3)]
        runs.append((metrics, _weights(trainer)))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
