"""Batches for training: epochs over arrays, endless shuffled batches, and fresh generated ones.

All randomness comes from a ``numpy.random.Generator`` the caller passes in and owns. A
checkpoint saves that generator's ``bit_generator.state`` and, for ``InfiniteBatches``, its
``state_dict()``; restoring both continues the very same sequence of batches.
"""
import numpy as np

from .registry import get_dataset


def _check_arrays(caller, arrays):
    if not arrays:
        raise ValueError(f"{caller}: give at least one array")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"{caller}: the arrays must have the same length, got {lengths}")
    return lengths[0]


def _check_batch_size(caller, batch_size):
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"{caller}: batch_size must be a positive integer, got {batch_size!r}")


class DataLoader:
    """One epoch of batches per ``for`` loop, as torch's ``DataLoader(TensorDataset(*arrays))``.

    Each batch is a tuple with one slice per array: ``for images, labels in DataLoader(x, y, ...)``.
    shuffle:   draw a new order from ``rng`` at the start of every epoch.
    drop_last: skip the last batch of an epoch when it is smaller than ``batch_size``.
    rng:       a ``numpy.random.Generator`` (or an int seed); required when shuffling.
    """

    def __init__(self, *arrays, batch_size=64, shuffle=True, drop_last=False, rng=None):
        self.n = _check_arrays("DataLoader", arrays)
        _check_batch_size("DataLoader", batch_size)
        if shuffle and rng is None:
            raise ValueError("DataLoader: shuffle=True needs rng (a numpy.random.Generator or an int "
                             "seed), so that a run can be repeated")
        self.arrays, self.batch_size, self.shuffle, self.drop_last = arrays, batch_size, shuffle, drop_last
        self.rng = None if rng is None else np.random.default_rng(rng)

    def __len__(self):
        full, rest = divmod(self.n, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self):
        order = self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start:start + self.batch_size]
            yield tuple(a[index] for a in self.arrays)


class InfiniteBatches:
    """Endless full batches of ``arrays`` for GAN training, reshuffled at every epoch.

    Every batch has exactly ``batch_size`` rows; the remainder of an epoch (fewer than
    ``batch_size`` examples) is skipped, and the next epoch draws a fresh order from ``rng``.
    """

    def __init__(self, *arrays, batch_size, rng):
        self.n = _check_arrays("infinite_batches", arrays)
        _check_batch_size("infinite_batches", batch_size)
        if batch_size > self.n:
            raise ValueError(f"infinite_batches: batch_size {batch_size} is larger than "
                             f"the {self.n} examples")
        self.arrays, self.batch_size, self.rng = arrays, batch_size, np.random.default_rng(rng)
        self.order, self.position = np.empty(0, dtype=np.int64), 0  # empty: start an epoch

    def __iter__(self):
        return self

    def __next__(self):
        if self.position + self.batch_size > len(self.order):
            self.order, self.position = self.rng.permutation(self.n), 0
        index = self.order[self.position:self.position + self.batch_size]
        self.position += self.batch_size
        return tuple(a[index] for a in self.arrays)

    def state_dict(self):
        """The epoch's order and the position in it (save with the generator's state)."""
        return {"order": self.order.copy(), "position": self.position}

    def load_state_dict(self, state):
        order, position = np.asarray(state["order"], dtype=np.int64), int(state["position"])
        if len(order) not in (0, self.n) or not 0 <= position <= len(order):
            raise ValueError(f"InfiniteBatches.load_state_dict: an order of {len(order)} examples at "
                             f"position {position} does not fit {self.n} examples")
        self.order, self.position = order, position


def infinite_batches(*arrays, batch_size, rng):
    """An ``InfiniteBatches`` iterator: ``images, labels = next(batches)``."""
    return InfiniteBatches(*arrays, batch_size=batch_size, rng=rng)


def sample_batch(name, batch_size, rng):
    """A fresh batch ``(x, labels or None)`` of a generated data set ("ring8", "digits", ...)."""
    dataset = get_dataset(name)
    if not dataset.generated:
        raise ValueError(f"sample_batch: {name} is read from files; iterate infinite_batches over "
                         "get_dataset(name).arrays instead")
    _check_batch_size("sample_batch", batch_size)
    return dataset.sample(batch_size, rng)
