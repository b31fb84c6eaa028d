"""Batching: epochs cover every example once, shuffling is seeded, infinite batches resume exactly."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npgan.data import DataLoader, InfiniteBatches, infinite_batches, sample_batch


def arrays(n):
    """Images whose first pixel is their index, and labels equal to it: rows stay aligned."""
    images = np.zeros((n, 1, 2, 2), np.float32)
    images[:, 0, 0, 0] = np.arange(n)
    return images, np.arange(n)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 12), drop_last=st.booleans(), shuffle=st.booleans())
def test_an_epoch_yields_each_example_once_in_batches_of_batch_size(n, batch_size, drop_last, shuffle):
    images, labels = arrays(n)
    loader = DataLoader(images, labels, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, rng=0)
    batches = list(loader)
    assert len(batches) == len(loader)
    sizes = [len(b[1]) for b in batches]
    assert all(size == batch_size for size in sizes[:-1])
    assert sizes == [] or sizes[-1] == batch_size or (not drop_last and sizes[-1] == n % batch_size)
    seen = np.concatenate([b[1] for b in batches]) if batches else np.array([], int)
    assert len(seen) == (n // batch_size * batch_size if drop_last else n)
    assert len(set(seen.tolist())) == len(seen)
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))
    for batch_images, batch_labels in batches:
        np.testing.assert_array_equal(batch_images[:, 0, 0, 0], batch_labels)


def test_shuffling_is_seeded_and_each_epoch_has_a_new_order():
    images, labels = arrays(20)

    def two_epochs(seed):
        loader = DataLoader(images, labels, batch_size=20, rng=np.random.default_rng(seed))
        return [next(iter(loader))[1] for _ in range(2)]

    first, second = two_epochs(3)
    assert not np.array_equal(first, second) and sorted(first) == list(range(20))
    np.testing.assert_array_equal(two_epochs(3)[0], first)
    assert not np.array_equal(two_epochs(4)[0], first)


def test_a_single_array_gives_one_tuples():
    (batch,), = list(DataLoader(np.arange(3), batch_size=5, shuffle=False))
    np.testing.assert_array_equal(batch, np.arange(3))


def test_bad_loader_arguments():
    with pytest.raises(ValueError, match="shuffle=True needs rng"):
        DataLoader(np.arange(3), batch_size=2)
    with pytest.raises(ValueError, match=r"same length, got \[3, 4\]"):
        DataLoader(np.arange(3), np.arange(4), batch_size=2, rng=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(np.arange(3), batch_size=0, rng=0)
    with pytest.raises(ValueError, match="larger than the 3 examples"):
        infinite_batches(np.arange(3), batch_size=4, rng=0)


def test_infinite_batches_are_full_and_reshuffle_every_epoch():
    images, labels = arrays(10)
    stream = infinite_batches(images, labels, batch_size=3, rng=np.random.default_rng(0))
    epochs = [np.concatenate([next(stream)[1] for _ in range(3)]) for _ in range(4)]  # 9 of 10 per epoch
    for epoch in epochs:
        assert len(set(epoch.tolist())) == 9
    assert len({tuple(e) for e in epochs}) == 4
    batch_images, batch_labels = next(stream)
    np.testing.assert_array_equal(batch_images[:, 0, 0, 0], batch_labels)


def test_infinite_batches_resume_exactly_from_a_saved_state():
    images, labels = arrays(10)
    uninterrupted = infinite_batches(images, labels, batch_size=4, rng=np.random.default_rng(9))
    expected = [next(uninterrupted)[1] for _ in range(7)]

    rng = np.random.default_rng(9)
    first_run = infinite_batches(images, labels, batch_size=4, rng=rng)
    got = [next(first_run)[1] for _ in range(3)]
    saved_rng, saved = rng.bit_generator.state, first_run.state_dict()
    resumed_rng = np.random.default_rng(12345)
    resumed_rng.bit_generator.state = saved_rng
    resumed = InfiniteBatches(images, labels, batch_size=4, rng=resumed_rng)
    resumed.load_state_dict(saved)
    got += [next(resumed)[1] for _ in range(4)]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="does not fit 10 examples"):
        resumed.load_state_dict({"order": np.arange(5), "position": 2})


def test_sample_batch_draws_fresh_batches_of_generated_data():
    rng = np.random.default_rng(0)
    points, none = sample_batch("ring8", 16, rng)
    again, _ = sample_batch("ring8", 16, rng)
    assert points.shape == (16, 2) and none is None and not np.allclose(points, again)
    images, labels = sample_batch("digits", 8, rng)
    assert images.shape == (8, 1, 28, 28) and labels.shape == (8,)
    with pytest.raises(ValueError, match="unknown data set 'ring9'"):
        sample_batch("ring9", 4, rng)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        sample_batch("grid25", -1, rng)
