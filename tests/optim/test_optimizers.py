"""SGD, Adam, RMSprop on a known quadratic against their update equations written out
here (never by calling the optimizers' code); param groups; state_dict resume; errors."""
import numpy as np
import pytest

import npgan as ng
from npgan.optim import SGD, Adam, RMSprop

# loss(p) = sum(0.5 a p^2 + b p), so grad(p) = a p + b
A = np.array([[1.0, 3.0, 0.5], [2.0, 0.2, 4.0]])
B = np.array([[0.3, -1.0, 2.0], [-0.5, 0.0, 1.5]])
P0 = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
STEPS = 6


def quadratic_grad(p):
    return A * p + B


def run(make_optimizer, steps=STEPS, dtype=np.float64):
    """Minimize the quadratic with npgan's autograd and the optimizer; return the trajectory."""
    p = ng.nn.Parameter(P0.astype(dtype))
    opt = make_optimizer([p])
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss = (0.5 * ng.tensor(A, dtype=dtype) * p * p + ng.tensor(B, dtype=dtype) * p).sum()
        loss.backward()
        opt.step()
        trajectory.append(p.data.copy())
    return trajectory


def sgd_by_hand(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    p, buf, out = P0.copy(), None, []
    for _ in range(STEPS):
        g = quadratic_grad(p) + weight_decay * p
        if momentum:
            buf = g if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        out.append(p)
    return out


def adam_by_hand(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    """Kingma & Ba, Algorithm 1 (+ AMSGrad's running max of v before bias correction)."""
    b1, b2 = betas
    p, m, v, v_max, out = P0.copy(), 0.0, 0.0, 0.0, []
    for t in range(1, STEPS + 1):
        g = quadratic_grad(p) + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - b1 ** t)
        v_hat = (v_max if amsgrad else v) / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def rmsprop_by_hand(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p, s, a, buf, out = P0.copy(), 0.0, 0.0, 0.0, []
    for _ in range(STEPS):
        g = quadratic_grad(p) + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g
        avg = np.sqrt(s - a * a if centered else s) + eps
        if momentum:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
        out.append(p)
    return out


def assert_trajectories_equal(got, expected):
    for step, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14, err_msg=f"after step {step + 1}")


SGD_CASES = [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.8, dampening=0.3),
             dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.2, momentum=0.5)]
ADAM_CASES = [dict(lr=0.1), dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3), dict(lr=0.1, weight_decay=0.3),
              dict(lr=0.2, betas=(0.8, 0.7), amsgrad=True)]
RMSPROP_CASES = [dict(lr=0.01), dict(lr=0.01, alpha=0.9, centered=True), dict(lr=0.01, momentum=0.9),
                 dict(lr=0.02, alpha=0.8, weight_decay=0.1, momentum=0.5, centered=True, eps=1e-4)]


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_its_equations(kwargs):
    assert_trajectories_equal(run(lambda ps: SGD(ps, **kwargs)), sgd_by_hand(**kwargs))


@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_matches_its_equations_on_every_backend(kwargs, backend):
    assert_trajectories_equal(run(lambda ps: Adam(ps, **kwargs)), adam_by_hand(**kwargs))


@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=str)
def test_rmsprop_matches_its_equations(kwargs):
    assert_trajectories_equal(run(lambda ps: RMSprop(ps, **kwargs)), rmsprop_by_hand(**kwargs))


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1),
                                  lambda ps: RMSprop(ps, centered=True, momentum=0.5)])
def test_float32_stays_float32(make):
    trajectory = run(make, steps=2, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in trajectory)


def test_defaults_are_pytorchs():
    p = [ng.nn.Parameter(np.zeros(2))]
    assert SGD(p).defaults == dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False)
    assert Adam(p).defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)
    assert RMSprop(p).defaults == dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False)


def two_params():
    return ng.nn.Parameter(P0.copy()), ng.nn.Parameter(P0[0].copy())


def set_grads(params, seed):
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = ng.Tensor(rng.standard_normal(p.shape))


def test_param_groups_have_their_own_hyperparameters_and_skip_missing_grads():
    w, b = two_params()
    frozen = ng.nn.Parameter(np.ones(3))
    opt = SGD([{"params": [w]}, {"params": [b, frozen], "lr": 0.5}], lr=0.1)
    set_grads([w, b], 0)
    gw, gb = w.grad.data.copy(), b.grad.data.copy()
    opt.step()
    np.testing.assert_allclose(w.data, P0 - 0.1 * gw)
    np.testing.assert_allclose(b.data, P0[0] - 0.5 * gb)
    np.testing.assert_array_equal(frozen.data, np.ones(3))
    assert opt.param_groups[1]["momentum"] == 0
    opt.zero_grad()
    assert w.grad is None and b.grad is None


OPTIMIZERS = [lambda g: SGD(g, lr=0.1, momentum=0.9, nesterov=True),
              lambda g: Adam(g, lr=0.05, amsgrad=True),
              lambda g: RMSprop(g, lr=0.01, momentum=0.5, centered=True)]


def groups(params):
    return [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.02}]


@pytest.mark.parametrize("make", OPTIMIZERS, ids=["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("string_keys", [False, True], ids=["int-keys", "json-keys"])
def test_state_dict_resumes_exactly(make, string_keys):
    params = two_params()
    opt = make(groups(params))
    for seed in range(3):
        set_grads(params, seed)
        opt.step()
    saved, saved_params = opt.state_dict(), [p.data.copy() for p in params]
    assert list(saved["state"]) == [0, 1] and saved["param_groups"][1]["params"] == [1]
    for seed in range(3, 6):
        set_grads(params, seed)
        opt.step()

    resumed = [ng.nn.Parameter(a) for a in saved_params]
    opt2 = make(groups(resumed))
    if string_keys:
        saved = {"state": {str(k): v for k, v in saved["state"].items()}, "param_groups": saved["param_groups"]}
    opt2.load_state_dict(saved)
    assert opt2.param_groups[1]["lr"] == 0.02
    for seed in range(3, 6):
        set_grads(resumed, seed)
        opt2.step()
    for p, q in zip(params, resumed):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_is_a_copy():
    params = two_params()
    opt = Adam(params)
    set_grads(params, 0)
    opt.step()
    saved = opt.state_dict()
    saved["state"][0]["exp_avg"][...] = 99.0
    assert not np.any(opt.state[params[0]]["exp_avg"] == 99.0)


def test_load_state_dict_errors_change_nothing():
    params = two_params()
    opt = Adam(groups(params))
    set_grads(params, 0)
    opt.step()
    good = opt.state_dict()
    before = opt.state_dict()

    bad_shape = opt.state_dict()
    bad_shape["state"][1]["exp_avg_sq"] = np.zeros(4)
    bad_shape["param_groups"][0]["lr"] = 9.0
    message = r"'exp_avg_sq' of parameter 1 has shape \(4,\), the parameter has shape \(3,\)"
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(bad_shape)
    bad_groups = {"state": good["state"], "param_groups": good["param_groups"][:1]}
    with pytest.raises(ValueError, match="1 parameter groups saved, the optimizer has 2"):
        opt.load_state_dict(bad_groups)
    bad_beta = opt.state_dict()
    bad_beta["param_groups"][0]["betas"] = (0.9, 1.0)
    with pytest.raises(ValueError, match="Adam: invalid beta parameter at index 1 1.0"):
        opt.load_state_dict(bad_beta)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for i in before["state"]:
        for k, v in before["state"][i].items():
            np.testing.assert_array_equal(after["state"][i][k], v)


@pytest.mark.parametrize("make,message", [
    (lambda p: SGD(p, lr=-0.1), "SGD: invalid lr -0.1"),
    (lambda p: SGD(p, momentum=-1), "SGD: invalid momentum -1"),
    (lambda p: SGD(p, nesterov=True), "SGD: nesterov momentum needs momentum > 0"),
    (lambda p: Adam(p, lr=-1.0), "Adam: invalid lr -1.0"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), "Adam: invalid beta parameter at index 0 1.0"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), "Adam: invalid beta parameter at index 1 -0.1"),
    (lambda p: Adam(p, eps=0.0), "Adam: invalid eps 0.0"),
    (lambda p: Adam(p, weight_decay=-1e-4), "Adam: invalid weight_decay -0.0001"),
    (lambda p: RMSprop(p, alpha=-0.5), "RMSprop: invalid alpha -0.5"),
    (lambda p: RMSprop(p, eps=float("nan")), "RMSprop: invalid eps nan"),
    (lambda p: Adam([{"params": p, "lr": -2.0}]), "Adam: invalid lr -2.0"),
])
def test_invalid_hyperparameters_name_the_optimizer_and_the_value(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make([ng.nn.Parameter(np.zeros(2))])


def test_bad_parameter_lists():
    p = ng.nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(ValueError, match="more than once"):
        SGD([p, p])
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([p * 2])
