"""The trainer's update as a captured step (``GANTrainer(..., compile=True)``).

``compiled_update(trainer)`` runs ``trainer._update`` (or another update of the trainer's,
e.g. ``trainer.discriminator_step``) through
``npgan.compile.compile_or_eager``: the program is traced again when a module's mode
(train/eval) changes or a parameter's or buffer's array is replaced (``load_state_dict``
rebinds them; ``.double()`` too); the snapshot a refused capture goes back to is the
trainer's ``state_dict()`` and npgan's global random state. Optimizer hyper-parameters
need nothing: a replay calls ``optimizer.step()``, which reads the lr a scheduler set.
"""
from .. import random as ng_random
from ..compile import compile_or_eager


def _modules_key(modules):
    """Each submodule's mode and the identity of every parameter's and buffer's array."""
    return tuple((m.training,) + tuple(id(t.data) for t in m.parameters(recurse=False))
                 + tuple(id(t.data) for t in m.buffers(recurse=False))
                 for module in modules for m in module.modules())


def compiled_update(trainer, update=None, log=None):
    """``update`` (default ``trainer._update``; a method of ``trainer`` returning a dict of
    0-d Tensors), captured when it can be (module docstring); ``log``: where the fallback
    line goes (default stderr)."""
    modules = (trainer.G, trainer.D)

    def save():
        return trainer.state_dict(), ng_random.get_rng_state()

    def restore(snapshot):
        state, rng_state = snapshot
        trainer.load_state_dict(state)
        ng_random.set_rng_state(rng_state)

    return compile_or_eager(update or trainer._update, lambda: _modules_key(modules), save, restore, log)
