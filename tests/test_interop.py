"""npgan <-> PyTorch (``npgan.interop``): every preset's G and D computes the same in both
libraries (1e-6 float32, 1e-12 float64), npgan -> torch -> npgan is bit-identical, the
export file loads in torch, and without torch the functions say how to get it.
Skipped where torch is not installed (CI's environment)."""
import sys

import numpy as np
import pytest

import npgan as ng
from npgan import interop, nn
from npgan.app.presets import PRESETS, TrainConfig, build

torch = pytest.importorskip("torch")

TOLERANCE = {"float32": 1e-6, "float64": 1e-12}


def _inputs(module, dataset, config, n, rng):
    """(args of G, args of D) for a batch of ``n`` (labels for the conditional models; for
    pix2pix, G(x) and D(y, x) on image pairs)."""
    if dataset.kind == "pairs":
        x, y = (rng.standard_normal((n,) + dataset.shape).astype(config.dtype) for _ in range(2))
        return (x,), (y, x)
    z = rng.standard_normal((n, config.latent_dim)).astype(config.dtype)
    x = rng.standard_normal((n,) + dataset.shape).astype(config.dtype)
    labels = rng.integers(0, 10, n) if PRESETS[config.model].conditional else None
    return ((z, labels) if labels is not None else (z,)), ((x, labels) if labels is not None else (x,))


def _run_npgan(module, args):
    return module(*[ng.tensor(a) if a.dtype.kind == "f" else a for a in args]).data


def _run_torch(module, args):
    with torch.no_grad():
        return module(*[torch.from_numpy(a) for a in args]).numpy()


def _tiny(model, dtype):
    preset = PRESETS[model]
    small = dict(hidden=(16, 8)) if preset.architecture == "mlp" else {}
    return TrainConfig(model=model, dtype=dtype, **small).resolved()


def _converge_spectral_norms(module, args):
    """Power-iterate a spectrally normalized module's u, v as training does: with the
    random u, v of a new layer, sigma = u^T W v can be tiny and its outputs hundreds, where
    float32 rounding alone exceeds the tolerance."""
    if any(nn.utils.spectral_norm_hooks(m) for m in module.modules()):
        module.train()
        for _ in range(30):
            _run_npgan(module, args)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("model", sorted(PRESETS))
def test_every_preset_computes_the_same_in_torch(model, dtype):
    ng.manual_seed(0)
    config = _tiny(model, dtype)
    G, D, *_, dataset = build(config)
    rng = np.random.default_rng(1)
    n = 8 if PRESETS[model].pack == 1 else 2 * PRESETS[model].pack
    g_args, d_args = _inputs(G, dataset, config, n, rng)
    for module, args in ((G, g_args), (D, d_args)):
        _converge_spectral_norms(module, args)
        module.eval()  # dropout off, BatchNorm on its running statistics: deterministic in both
        exported = interop.to_torch(module)
        assert not exported.training
        assert {k: str(v.dtype) for k, v in exported.state_dict().items()} == \
            {k: f"torch.{v.dtype}" for k, v in module.state_dict().items()}
        np.testing.assert_allclose(_run_torch(exported, args), _run_npgan(module, args),
                                   rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("model", sorted(PRESETS))
def test_round_trip_npgan_torch_npgan_is_bit_identical(model):
    ng.manual_seed(0)
    G, D, *_ = build(_tiny(model, "float32"))
    for module in (G, D):
        back = interop.from_torch(interop.to_torch(module))
        assert type(back) is type(module)
        before, after = module.state_dict(), back.state_dict()
        assert list(after) == list(before)
        for key in before:
            assert after[key].dtype == before[key].dtype and np.array_equal(after[key], before[key]), key


def test_batch_norm_in_training_mode_and_its_running_statistics():
    """Train mode (batch statistics, running averages updated) matches torch step for step."""
    ng.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                        nn.Linear(4 * 3 * 3, 5), nn.BatchNorm1d(5), nn.LayerNorm(5), nn.Tanh()).double()
    exported = interop.to_torch(net)
    assert exported.training
    x = np.random.default_rng(2).standard_normal((6, 3, 5, 5))
    for _ in range(2):
        np.testing.assert_allclose(_run_torch(exported, (x,)), _run_npgan(net, (x,)), atol=1e-12)
    for key, value in exported.state_dict().items():
        np.testing.assert_allclose(value.numpy(), net.state_dict()[key], atol=1e-12, err_msg=key)


def test_spectral_norm_keeps_its_state_dict_and_power_iteration():
    ng.manual_seed(0)
    layer = nn.utils.spectral_norm(nn.Linear(5, 3)).double()
    tlayer = interop.to_torch(layer)
    assert set(tlayer.state_dict()) == {"bias", "weight_orig", "weight_u", "weight_v"}
    x = np.random.default_rng(3).standard_normal((4, 5))
    for _ in range(3):  # training mode: both do one power iteration per forward on u, v
        np.testing.assert_allclose(_run_torch(tlayer, (x,)), _run_npgan(layer, (x,)), atol=1e-12)
    np.testing.assert_allclose(tlayer.weight_u.numpy(), layer.weight_u.data, atol=1e-12)
    back = interop.from_torch(tlayer)
    assert len(nn.utils.spectral_norm_hooks(back)) == 1
    assert all(np.array_equal(back.state_dict()[k], v.numpy()) for k, v in tlayer.state_dict().items())


def test_from_torch_builds_a_model_written_in_torch():
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1, bias=False),
                            torch.nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1, output_padding=0),
                            torch.nn.LeakyReLU(0.1), torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 2),
                            torch.nn.Sigmoid()).double().eval()
    module = interop.from_torch(t)
    assert not module.training
    x = np.random.default_rng(4).standard_normal((2, 1, 4, 4))
    np.testing.assert_allclose(_run_npgan(module, (x,)), _run_torch(t, (x,)), atol=1e-12)


def test_export_file_loads_in_torch(tmp_path):
    ng.manual_seed(0)
    G, *_ = build(_tiny("cgan", "float32"))
    G.eval()
    path = tmp_path / "G.pt"
    interop.save_for_torch(G, path, model="cgan", step=0)
    saved = torch.load(path, weights_only=True)  # plain tensors and containers: safe loading works
    assert saved["metadata"] == {"model": "cgan", "step": 0} and set(saved["state_dict"]) == set(G.state_dict())
    loaded = interop.load_exported(path).eval()
    args = (np.random.default_rng(5).standard_normal((4, 100)).astype(np.float32), np.arange(4))
    np.testing.assert_allclose(_run_torch(loaded, args), _run_npgan(G, args), atol=1e-6)


def test_vbn_export_keeps_its_reference_batch(tmp_path):
    """The vbn preset's G (VirtualBatchNorm inside WithReferenceBatch): the export holds the
    reference batch as a buffer, and the torch module rebuilt from the file computes the same."""
    ng.manual_seed(0)
    G, *_ = build(_tiny("vbn", "float32"))
    path = tmp_path / "G.pt"
    interop.save_for_torch(G, path, model="vbn", step=0)
    loaded = interop.load_exported(path)
    np.testing.assert_array_equal(loaded.reference.numpy(), G.reference.data)
    z = np.random.default_rng(5).standard_normal((4, 2)).astype(np.float32)
    np.testing.assert_allclose(_run_torch(loaded, (z,)), _run_npgan(G, (z,)), atol=1e-6)


def test_load_exported_refuses_other_files(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weight": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="not an npgan export"):
        interop.load_exported(path)


def test_unknown_modules_and_mixed_dtypes_are_clear_errors():
    class Custom(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="no PyTorch equivalent known for Custom"):
        interop.to_torch(Custom())
    mixed = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2).double())
    with pytest.raises(TypeError, match="mixes floating dtypes"):
        interop.to_torch(mixed)
    with pytest.raises(TypeError, match="no npgan equivalent known for torch.nn.modules.rnn.GRU"):
        interop.from_torch(torch.nn.GRU(2, 2))


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match="npgan.interop needs PyTorch"):
        interop.to_torch(nn.Linear(2, 2))


def test_npgan_export_writes_what_torch_loads(tmp_path, capsys):
    from npgan.app import cli
    run = tmp_path / "run"
    assert cli.main(["train", "--model", "nsgan", "--steps", "2", "--hidden", "8", "--no-progress",
                     "--out", str(run)]) == 0
    out = tmp_path / "G.pt"
    assert cli.main(["export", "--ckpt", str(run), "--out", str(out)]) == 0
    saved = torch.load(out, weights_only=True)
    assert saved["metadata"]["model"] == "nsgan" and saved["metadata"]["step"] == 2
    G = interop.load_exported(out)
    from npgan.app.run import load_run
    trainer, _, _ = load_run(str(run))
    z = np.random.default_rng(6).standard_normal((5, 2)).astype(np.float32)
    np.testing.assert_allclose(_run_torch(G, (z,)), _run_npgan(trainer.G.eval(), (z,)), atol=1e-6)
    capsys.readouterr()
    before = out.stat().st_mtime_ns
    assert cli.main(["export", "--ckpt", str(run), "--net", "D", "--out", str(out)]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err and out.stat().st_mtime_ns == before
    assert cli.main(["export", "--ckpt", str(run), "--out", str(tmp_path / "G.npz")]) == 2
    assert "name it .pt" in capsys.readouterr().err
    assert cli.main(["export", "--ckpt", str(run), "--net", "D", "--out", str(out), "--overwrite"]) == 0
    assert torch.load(out, weights_only=True)["metadata"]["net"] == "D"
