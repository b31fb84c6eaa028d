"""``load_mnist`` on small IDX and .npz files written here, good ones and malformed ones."""
import gzip

import numpy as np
import pytest

from npgan.data import get_dataset, load_mnist
from npgan.data.mnist import IMAGES_MAGIC, LABELS_MAGIC


def idx_bytes(array, magic):
    """An IDX file's bytes: big-endian magic, big-endian sizes, then the uint8 elements."""
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write(path, data, gzipped=False):
    with (gzip.open if gzipped else open)(path, "wb") as f:
        f.write(data)
    return path


def fake_mnist(n, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[0, 0, :2] = [0, 255]
    return images, rng.integers(0, 10, n).astype(np.uint8)


def write_split(directory, prefix, images, labels, gzipped=False, dotted=False):
    suffix = ".gz" if gzipped else ""
    sep = "." if dotted else "-"
    write(directory / f"{prefix}-images{sep}idx3-ubyte{suffix}", idx_bytes(images, IMAGES_MAGIC), gzipped)
    write(directory / f"{prefix}-labels{sep}idx1-ubyte{suffix}", idx_bytes(labels, LABELS_MAGIC), gzipped)


@pytest.fixture
def mnist_dir(tmp_path):
    """A directory with a 12-image training split and a 5-image test split."""
    train, test = fake_mnist(12, 0), fake_mnist(5, 1)
    write_split(tmp_path, "train", *train)
    write_split(tmp_path, "t10k", *test)
    return tmp_path, train, test


def check_same(loaded, raw, value_range=(-1.0, 1.0)):
    images, labels = loaded
    low, high = value_range
    assert images.shape == (len(raw[0]), 1, 28, 28) and images.dtype == np.float32
    assert labels.dtype == np.int64
    np.testing.assert_allclose(images[:, 0], low + raw[0] / 255 * (high - low), atol=1e-6)
    np.testing.assert_array_equal(labels, raw[1])


def test_plain_idx_files_both_splits(mnist_dir):
    directory, train, test = mnist_dir
    check_same(load_mnist(directory), train)
    check_same(load_mnist(directory, split="test"), test)
    images, _ = load_mnist(directory)
    assert images[0, 0, 0, 0] == -1 and images[0, 0, 0, 1] == 1


@pytest.mark.parametrize("dotted", [False, True], ids=["dash", "dot"])
def test_gzipped_idx_files_and_the_dotted_spelling(tmp_path, dotted):
    train = fake_mnist(7, 2)
    write_split(tmp_path, "train", *train, gzipped=True, dotted=dotted)
    check_same(load_mnist(str(tmp_path)), train)


def test_unit_range_and_float64(mnist_dir):
    directory, train, _ = mnist_dir
    images, _ = load_mnist(directory, value_range=(0.0, 1.0), dtype=np.float64)
    assert images.dtype == np.float64
    np.testing.assert_allclose(images[:, 0], train[0] / 255)


def test_keras_style_npz(tmp_path):
    train, test = fake_mnist(6, 3), fake_mnist(4, 4)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1])
    check_same(load_mnist(path), train)
    check_same(load_mnist(path, split="test", value_range=(0.0, 1.0)), test, value_range=(0.0, 1.0))


def test_get_dataset_reads_mnist_from_a_path(mnist_dir):
    directory, train, _ = mnist_dir
    dataset = get_dataset(f"mnist:{directory}")
    assert (dataset.kind, dataset.shape, dataset.num_classes, dataset.generated) == ("images", (1, 28, 28), 10, False)
    check_same(dataset.arrays, train)
    images, labels = dataset.sample(5, np.random.default_rng(0))
    # five distinct examples of the file, each with its own label
    match = (images[:, None] == dataset.arrays[0][None]).all(axis=(2, 3, 4))
    rows = match.argmax(axis=1)
    assert match.any(axis=1).all() and len(set(rows.tolist())) == 5
    np.testing.assert_array_equal(labels, dataset.arrays[1][rows])
    with pytest.raises(ValueError, match="cannot draw 13 distinct examples from 12"):
        dataset.sample(13, 0)


# ---- malformed input: each error names the file and what is wrong -------------------------

def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere does not exist"):
        load_mnist(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="nowhere does not exist"):
        get_dataset(f"mnist:{tmp_path / 'nowhere'}")


def test_missing_labels_file(tmp_path):
    images, _ = fake_mnist(3, 0)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(images, IMAGES_MAGIC))
    with pytest.raises(FileNotFoundError, match="no train labels file in .*train-labels-idx1-ubyte"):
        load_mnist(tmp_path)


def test_bad_magic_number(tmp_path):
    images, labels = fake_mnist(3, 0)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(labels, LABELS_MAGIC))  # a labels file
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels, LABELS_MAGIC))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte has magic number 0x00000801, "
                                         r"expected 0x00000803.*not an MNIST images file"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("cut", [2, 10, 100], ids=["in-magic", "in-header", "in-pixels"])
def test_truncated_images(tmp_path, cut):
    images, labels = fake_mnist(3, 0)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(images, IMAGES_MAGIC)[:cut])
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels, LABELS_MAGIC))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte is truncated"):
        load_mnist(tmp_path)


def test_trailing_bytes(tmp_path):
    images, labels = fake_mnist(3, 0)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(images, IMAGES_MAGIC))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels, LABELS_MAGIC) + b"\0")
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte has trailing bytes.*shape \(3,\)"):
        load_mnist(tmp_path)


def test_truncated_gzip_stream(tmp_path):
    images, labels = fake_mnist(30, 0)
    write(tmp_path / "train-images-idx3-ubyte.gz", idx_bytes(images, IMAGES_MAGIC), gzipped=True)
    write(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(labels, LABELS_MAGIC), gzipped=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ValueError, match="cannot read .*train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)


def test_image_and_label_counts_differ(tmp_path):
    images, labels = fake_mnist(4, 0)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(images, IMAGES_MAGIC))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels[:3], LABELS_MAGIC))
    with pytest.raises(ValueError, match="4 images but 3 labels"):
        load_mnist(tmp_path)


def test_labels_outside_0_to_9(tmp_path):
    images, labels = fake_mnist(4, 0)
    labels[2] = 10
    write_split(tmp_path, "train", images, labels)
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte: labels must be digits 0-9, found \d\.\.10"):
        load_mnist(tmp_path)


def test_npz_without_the_split_keys(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"other.npz has no x_train or y_train; its keys are \['images'\]"):
        load_mnist(path)


def test_npz_with_pickled_arrays_is_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, x_train=np.array([{"a": 1}], dtype=object), y_train=np.zeros(1, np.uint8))
    with pytest.raises(ValueError, match="pickled.npz"):
        load_mnist(path)


def test_a_file_that_is_not_an_npz(tmp_path):
    path = write(tmp_path / "notes.txt", b"hello")
    with pytest.raises(ValueError, match="notes.txt is not a readable .npz"):
        load_mnist(path)
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        load_mnist(tmp_path / "single.npy")


def test_bad_split_and_dtype(mnist_dir):
    directory = mnist_dir[0]
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_mnist(directory, split="valid")
    with pytest.raises(TypeError, match="float32 or float64"):
        load_mnist(directory, dtype=np.uint8)


def test_a_gzip_bomb_after_a_valid_header_is_stopped_at_the_declared_size(tmp_path):
    """A .gz of ~200 KB that inflates to 200 MB of zeros after a (100, 28, 28) header: the
    read stops one byte past the declared 78,400 pixels instead of inflating everything."""
    import tracemalloc
    path = tmp_path / "train-images-idx3-ubyte.gz"
    header = idx_bytes(np.zeros((100, 28, 28), np.uint8), IMAGES_MAGIC)
    with gzip.open(path, "wb") as f:
        f.write(header)
        chunk = bytes(2**20)
        for _ in range(200):
            f.write(chunk)
    assert path.stat().st_size < 2**20
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(100, np.uint8), LABELS_MAGIC))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="has trailing bytes"):
            load_mnist(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_an_idx_header_declaring_terabytes(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    write(path, IMAGES_MAGIC.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (10**7, 10**5, 28)))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(3, np.uint8), LABELS_MAGIC))
    with pytest.raises(ValueError, match=r"shape \(10000000, 100000, 28\) \(28,000,000,000,000 bytes\), more than"):
        load_mnist(tmp_path)


def test_an_npz_header_declaring_more_than_it_holds(tmp_path):
    """np.load would allocate the declared (10^7, 10^6, 28) before noticing (MemoryError)."""
    import io
    import zipfile
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False,
                                                  "shape": (10**7, 10**6, 28)})
    labels = io.BytesIO()
    np.lib.format.write_array(labels, np.zeros(10**7 // 10**6, np.uint8))
    path = tmp_path / "mnist.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x_train.npy", header.getvalue() + bytes(100))
        zf.writestr("y_train.npy", labels.getvalue())
    with pytest.raises(ValueError, match=r"'x_train' declares shape \(10000000, 1000000, 28\)"):
        load_mnist(path)


def test_npz_shapes_are_checked_before_reading(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((4, 28, 28), np.float32), y_train=np.zeros(4, np.int64))
    with pytest.raises(ValueError, match="images must be uint8"):
        load_mnist(path)
    np.savez(path, x_train=np.zeros((4, 28, 28), np.uint8), y_train=np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="4 images but 3 labels"):
        load_mnist(path)
