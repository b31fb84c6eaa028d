"""Hostile or broken checkpoint files are bounded: one ValueError, nothing large allocated."""
import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

from npgan.serialization import load_checkpoint, save_checkpoint

META = "__npgan_meta__"


def npy_bytes(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=True)
    return buf.getvalue()


def meta_bytes(tree):
    meta = json.dumps({"format": "npgan-checkpoint", "version": 1, "tree": tree}).encode()
    return npy_bytes(np.frombuffer(meta, dtype=np.uint8))


def write_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def good_members():
    return {f"{META}.npy": meta_bytes({"w": {"__array__": "w"}}), "w.npy": npy_bytes(np.arange(4.0))}


def test_unreferenced_members_are_never_decompressed(tmp_path):
    path = tmp_path / "ckpt.npz"
    members = good_members()
    members["bomb.npy"] = npy_bytes(np.zeros(200 * 2**20, dtype=np.uint8))  # 200 MB, ~200 KB deflated
    write_zip(path, members)
    assert path.stat().st_size < 2 * 2**20
    tracemalloc.start()
    try:
        tree = load_checkpoint(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(tree["w"], np.arange(4.0))
    assert peak < 20 * 2**20


def test_a_header_declaring_more_than_the_member_holds(tmp_path):
    path = tmp_path / "ckpt.npz"
    members = good_members()
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**7, 10**6, 28)})
    members["w.npy"] = header.getvalue() + b"\0" * 64
    write_zip(path, members)
    with pytest.raises(ValueError, match=r"'w' declares shape \(10000000, 1000000, 28\)"):
        load_checkpoint(path)


def test_total_size_is_capped(tmp_path):
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, {"w": np.zeros(1000)})
    with pytest.raises(ValueError, match="declares 8,000 bytes of arrays, more than the limit of 4,000"):
        load_checkpoint(path, max_bytes=4000)
    assert load_checkpoint(path, max_bytes=8000)["w"].shape == (1000,)


def test_expect_sees_the_declared_shapes_before_any_array_is_read(tmp_path):
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, {"G": {"0.weight": np.zeros((3, 2), np.float32)}, "step": 7})
    seen = {}

    def expect(tree):
        seen.update(tree)
        raise ValueError("G/0.weight should be (4, 2)")

    with pytest.raises(ValueError, match=r"should be \(4, 2\)"):
        load_checkpoint(path, expect=expect)
    assert seen == {"G": {"0.weight": ((3, 2), np.dtype(np.float32))}, "step": 7}


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused(tmp_path, bad):
    path = tmp_path / "ckpt.npz"
    w = np.ones((2, 3), np.float32)
    w[1, 2] = bad
    save_checkpoint(path, {"G": {"0.weight": w}, "step": 5})
    with pytest.raises(ValueError, match="'G/0.weight' holds 1 non-finite values"):
        load_checkpoint(path)
    assert np.isnan(load_checkpoint(path, finite=False)["G"]["0.weight"][1, 2]) == np.isnan(bad)


def test_a_corrupted_compression_byte(tmp_path):
    path = tmp_path / "ckpt.npz"
    write_zip(path, good_members())
    data = bytearray(path.read_bytes())
    # the compression method of every local file header and central directory entry: 99
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := data.find(sig, start)) != -1:
            data[start + offset] = 99
            start += 4
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="ckpt.npz"):
        load_checkpoint(path)


def test_a_flipped_data_byte_fails_the_crc(tmp_path):
    path = tmp_path / "ckpt.npz"
    write_zip(path, good_members(), compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.rfind(np.arange(4.0).tobytes())
    data[at + 3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="member 'w' is corrupt"):
        load_checkpoint(path)


@pytest.mark.parametrize("tree,match", [
    ({"w": {"__array__": 5}}, "malformed array reference"),
    ({"w": {"__array__": "w", "extra": 1}}, "malformed array reference"),
    ({"w": {"__int_keys__": {"x": 1}}}, "malformed integer-keyed dict"),
    ({"w": {"__array__": "missing"}}, "has no array 'missing'"),
])
def test_malformed_metadata(tmp_path, tree, match):
    path = tmp_path / "ckpt.npz"
    members = good_members()
    members[f"{META}.npy"] = meta_bytes(tree)
    write_zip(path, members)
    with pytest.raises(ValueError, match=match):
        load_checkpoint(path)


def test_object_arrays_are_refused_not_unpickled(tmp_path):
    path = tmp_path / "ckpt.npz"
    members = good_members()
    members["w.npy"] = npy_bytes(np.array([{"a": 1}], dtype=object))
    write_zip(path, members)
    with pytest.raises(ValueError, match="dtype object"):
        load_checkpoint(path)


def test_metadata_of_the_wrong_kind(tmp_path):
    path = tmp_path / "ckpt.npz"
    write_zip(path, {f"{META}.npy": npy_bytes(np.zeros(3)), "w.npy": npy_bytes(np.zeros(2))})
    with pytest.raises(ValueError, match="malformed metadata"):
        load_checkpoint(path)
