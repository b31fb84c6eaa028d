"""Adam updates each parameter group with one ``adam_update_multi`` call: the result must
be, bit for bit, that of one ``adam_update`` call per parameter with its own step count."""
import numpy as np
import pytest

import npgan as ng
import npgan.nn as nn
import npgan.optim.adam as adam_module
from npgan.kernels import kernel
from npgan.optim import Adam


def per_parameter_adam(params, grads, states, lr, betas, eps, weight_decay, amsgrad):
    """The previous Adam.step, written out: one adam_update per parameter that has a grad."""
    for p, grad in zip(params, grads):
        if grad is None:
            continue
        state = states.setdefault(id(p), {})
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
            if amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        kernel("adam_update")(p.data, grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"),
                              lr, betas[0], betas[1], eps, weight_decay, state["step"])


def model(dtype=np.float32):
    ng.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.BatchNorm1d(32),
                        nn.Linear(32, 1))
    return net.double() if dtype == np.float64 else net


def assert_same_state(opt, params, states):
    for i, p in enumerate(params):
        ours, theirs = opt.state[p], states[id(p)]
        assert sorted(ours) == sorted(theirs)
        assert type(ours["step"]) is int and ours["step"] == theirs["step"]
        for key in ours:
            if key != "step":
                np.testing.assert_array_equal(ours[key], theirs[key], err_msg=f"{key} of parameter {i}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [dict(lr=2e-4, betas=(0.5, 0.999)), dict(lr=1e-2, weight_decay=1e-2, amsgrad=True)],
                         ids=["dcgan", "amsgrad-wd"])
def test_a_step_over_a_model_equals_the_per_parameter_kernel_loop(backend, dtype, kwargs):
    ours, reference = model(dtype), model(dtype)
    params, ref_params = list(ours.parameters()), list(reference.parameters())
    opt = Adam(params, **kwargs)
    hyper = dict(dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False), **kwargs)
    states = {}
    rng = np.random.default_rng(0)
    for _ in range(4):
        grads = [rng.standard_normal(p.shape).astype(dtype) for p in params]
        for p, g in zip(params, grads):
            p.grad = ng.Tensor(g.copy())
        opt.step()
        per_parameter_adam(ref_params, grads, states, **hyper)
        for i, (p, q) in enumerate(zip(params, ref_params)):
            assert p.data.dtype == dtype
            np.testing.assert_array_equal(p.data, q.data, err_msg=f"parameter {i}")
    assert_same_state(opt, params, {id(p): states[id(q)] for p, q in zip(params, ref_params)})


def test_parameters_with_different_step_counts_in_one_group(backend, monkeypatch):
    """A parameter with no gradient on some step is behind: its bias corrections use its own
    step count, so the group is updated with one call per step count."""
    shapes = [(3, 4), (4,), (5,)]
    rng = np.random.default_rng(1)
    params = [nn.Parameter(rng.standard_normal(s)) for s in shapes]
    ref_params = [nn.Parameter(p.data.copy()) for p in params]
    opt = Adam(params, lr=0.05, betas=(0.8, 0.9), amsgrad=True)
    calls = []
    multi = kernel("adam_update_multi")

    def counting(*args):
        calls.append((len(args[0]), args[-1]))  # (how many parameters, step)
        return multi(*args)

    monkeypatch.setattr(adam_module, "kernel", lambda name: counting if name == "adam_update_multi" else kernel(name))
    states = {}
    has_grad = [(True, True, True), (True, False, True), (True, False, False), (True, True, True)]
    for step, which in enumerate(has_grad):
        grads = [rng.standard_normal(s) if w else None for s, w in zip(shapes, which)]
        for p, g in zip(params, grads):
            p.grad = None if g is None else ng.Tensor(g.copy())
        opt.step()
        per_parameter_adam(ref_params, grads, states, lr=0.05, betas=(0.8, 0.9), eps=1e-8, weight_decay=0,
                           amsgrad=True)
        for p, q in zip(params, ref_params):
            np.testing.assert_array_equal(p.data, q.data, err_msg=f"after step {step + 1}")
    assert [opt.state[p]["step"] for p in params] == [4, 2, 3]
    # one call while the counts agree; at the 4th step they are 4, 2, 3: three calls
    assert calls == [(3, 1), (2, 2), (1, 3), (1, 4), (1, 2), (1, 3)]
    assert_same_state(opt, params, {id(p): states[id(q)] for p, q in zip(params, ref_params)})
    saved = opt.state_dict()["state"]
    assert [saved[i]["step"] for i in range(3)] == [4, 2, 3] and all(type(saved[i]["step"]) is int for i in range(3))


def test_a_group_of_mixed_dtypes_is_updated_per_dtype(backend):
    params = [nn.Parameter(np.ones(3, np.float32)), nn.Parameter(np.ones(3)), nn.Parameter(np.ones(2, np.float32))]
    ref_params = [nn.Parameter(p.data.copy()) for p in params]
    grads = [np.arange(3, dtype=np.float32), np.arange(3.0), np.ones(2, np.float32)]
    for p, g in zip(params, grads):
        p.grad = ng.Tensor(g)
    Adam(params, lr=0.1).step()
    per_parameter_adam(ref_params, grads, {}, lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)
    for p, q in zip(params, ref_params):
        assert p.data.dtype == q.data.dtype
        np.testing.assert_array_equal(p.data, q.data)


def test_a_rejected_step_changes_no_parameter_and_no_step_count(backend):
    params = [nn.Parameter(np.ones(3)), nn.Parameter(np.ones(2))]
    opt = Adam(params, lr=0.1)
    for p in params:
        p.grad = ng.Tensor(np.ones(p.shape))
    opt.step()
    before = [p.data.copy() for p in params]
    params[1].grad = ng.Tensor(np.ones(2, np.float32))  # the wrong dtype
    with pytest.raises(TypeError, match=r"adam_update_multi: grad\[1\] has dtype float32"):
        opt.step()
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.data, b)
    assert [opt.state[p]["step"] for p in params] == [1, 1]
