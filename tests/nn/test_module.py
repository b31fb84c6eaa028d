"""Module, Parameter, Sequential, ModuleList: registration, traversal, modes, dtype,
state_dict / load_state_dict, repr."""
import copy

import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn


def mlp():
    ng.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LeakyReLU(0.2), nn.Linear(4, 2, bias=False))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(2))
        self.register_buffer("count", ng.tensor(np.zeros(1)))
        self.body = nn.Sequential(nn.Linear(2, 2), nn.Tanh())

    def forward(self, x):
        return self.body(x) * self.scale


def test_parameter_is_a_leaf_that_requires_grad_and_shares_a_tensors_array():
    t = ng.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, ng.Tensor) and p.is_leaf and p.requires_grad
    assert p.data is t.data
    assert repr(p).startswith("Parameter containing:\ntensor(")
    with pytest.raises(TypeError, match=r"Parameter: only floating-point tensors \(float32, float64\) can require "
                                         r"gradients, got dtype int64"):
        nn.Parameter(np.arange(3, dtype=np.int64))
    assert not nn.Parameter(np.arange(3), requires_grad=False).requires_grad  # labels may be integer


def test_names_follow_pytorch_order():
    model = mlp()
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight"]
    assert [n for n, _ in model.named_buffers()] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                        "1.running_var", "1.num_batches_tracked", "3.weight"]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]
    assert len(list(model.modules())) == 5
    block = Block()
    assert [n for n, _ in block.named_parameters()] == ["scale", "body.0.weight", "body.0.bias"]
    assert list(block.state_dict()) == ["scale", "count", "body.0.weight", "body.0.bias"]
    assert [n for n, _ in block.named_parameters(recurse=False)] == ["scale"]


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_attribute_rules():
    block = Block()
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        block.scale = ng.tensor([1.0, 2.0])
    block.scale = None
    assert block.scale is None and "scale" not in dict(block.named_parameters())
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'nope'"):
        block.nope
    del block.body
    assert not hasattr(block, "body")
    block.plain = 3
    assert block.plain == 3 and "plain" not in block.state_dict()


def test_train_eval_and_zero_grad():
    model = mlp()
    assert model.training and model[1].training
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model(ng.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_double_and_float_convert_in_place():
    model = mlp()
    params = list(model.parameters())
    model(ng.randn(5, 3)).sum().backward()
    assert model.double() is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in params)
    assert model[1].running_var.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64
    assert model(ng.randn(5, 3, dtype=np.float64)).dtype == np.float64
    model.float()
    assert all(p.dtype == np.float32 for p in params)


def test_state_dict_is_a_snapshot_and_round_trips_exactly():
    model = mlp()
    model(ng.randn(6, 3)).sum().backward()  # moves the running statistics
    state = model.state_dict()
    assert all(type(v) is np.ndarray for v in state.values())
    assert state["1.num_batches_tracked"].shape == () and state["1.num_batches_tracked"] == 1
    state["0.weight"][0, 0] = 123.0
    assert model[0].weight.data[0, 0] != 123.0
    state = model.state_dict()
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LeakyReLU(0.2), nn.Linear(4, 2, bias=False))
    assert other.load_state_dict(state) == ([], [])
    for key, value in other.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
        assert value.dtype == state[key].dtype
    state["0.weight"][:] = 7.0  # loaded values are copies
    assert not np.any(other[0].weight.data == 7.0)


def _assert_unchanged(model, before):
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_load_wrong_shape_names_key_and_both_shapes_and_changes_nothing():
    model = mlp()
    before = model.state_dict()
    bad = {k: v + 1 for k, v in before.items()}
    bad["3.weight"] = np.zeros((3, 4), dtype=np.float32)
    with pytest.raises(ValueError, match=r"'3\.weight'.*\(3, 4\).*\(2, 4\)"):
        model.load_state_dict(bad)
    _assert_unchanged(model, before)
    with pytest.raises(ValueError, match=r"size mismatch for '3\.weight'"):
        model.load_state_dict(bad, strict=False)  # a shape mismatch is an error even when not strict
    _assert_unchanged(model, before)


def test_load_missing_or_unexpected_key_raises_and_changes_nothing():
    model = mlp()
    before = model.state_dict()
    partial = {k: v + 1 for k, v in before.items() if k != "1.running_var"}
    with pytest.raises(ValueError, match=r"missing key '1\.running_var' \(shape \(4,\)"):
        model.load_state_dict(partial)
    _assert_unchanged(model, before)
    extra = {**{k: v + 1 for k, v in before.items()}, "9.weight": np.zeros(2)}
    with pytest.raises(ValueError, match=r"unexpected key '9\.weight'"):
        model.load_state_dict(extra)
    _assert_unchanged(model, before)
    result = model.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["1.running_var"] and result.unexpected_keys == []
    np.testing.assert_array_equal(model[0].weight.data, before["0.weight"] + 1)


def test_load_converts_to_the_models_dtype_and_rejects_non_numbers():
    model = nn.Linear(2, 2)
    state = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert model.weight.dtype == np.float32
    state["bias"] = np.array(["a", "b"])
    with pytest.raises(ValueError, match="'bias' has dtype"):
        model.load_state_dict(state)


def test_repr_matches_pytorch():
    assert repr(mlp()) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
        "  (2): LeakyReLU(negative_slope=0.2)\n"
        "  (3): Linear(in_features=4, out_features=2, bias=False)\n"
        ")")
    assert repr(Block()) == ("Block(\n"
                             "  (body): Sequential(\n"
                             "    (0): Linear(in_features=2, out_features=2, bias=True)\n"
                             "    (1): Tanh()\n"
                             "  )\n"
                             ")")
    assert repr(nn.ReLU()) == "ReLU()"


def test_deepcopy_gives_an_independent_model():
    model = mlp()
    clone = copy.deepcopy(model)
    clone[0].weight.data[...] = 0.0
    assert isinstance(clone[0].weight, nn.Parameter)
    assert not np.all(model[0].weight.data == 0.0)


def test_forward_pre_hook_runs_before_forward_and_can_be_removed():
    calls = []
    lin = nn.Linear(2, 2)
    handle = lin.register_forward_pre_hook(lambda module, args: calls.append(args[0].shape))
    lin(ng.randn(3, 2))
    handle.remove()
    lin(ng.randn(3, 2))
    assert calls == [(3, 2)]


def test_containers():
    model = mlp()
    assert isinstance(model[-1], nn.Linear) and len(model) == 4
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head.state_dict())[0] == "0.weight"
    model.append(nn.Tanh())
    assert isinstance(model[4], nn.Tanh)
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 4 and len(list(layers.parameters())) == 8
    assert list(layers.state_dict())[-1] == "3.bias"
    assert all(isinstance(m, nn.Linear) for m in layers)


def test_apply_and_requires_grad():
    model = mlp()
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Sequential" and seen.count("Linear") == 2
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
