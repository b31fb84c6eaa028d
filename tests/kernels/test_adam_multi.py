"""``adam_update_multi``: many parameters in one call, on every available backend.

It must give every parameter exactly what ``adam_update`` gives it (bit for bit: the
same loops, the same scalars), and check every argument before touching any array,
including that no array overlaps another one of the call.
"""
import numpy as np
import pytest

import npgan.kernels as K
from npgan.kernels import elementwise, registry

BACKENDS = tuple(b for b in K.available_backends() if b in ("numpy", "numba", "c"))  # the loops (mkl, blis: only gemm)
DTYPES = (np.float32, np.float64)
SHAPES = [(), (1,), (7,), (3, 5), (0,), (256, 784)]
HYPER = dict(lr=1e-2, beta1=0.5, beta2=0.999, eps=1e-8)


def impl(name, backend):
    return K.implementations(name)[backend]


def make_state(rng, shapes, dtype, amsgrad):
    """params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs (None without AMSGrad); moments >= 0."""
    def arrays(positive=False):
        out = [np.asarray(rng.standard_normal(shape), dtype=dtype) for shape in shapes]
        return [np.abs(a, out=a) for a in out] if positive else out  # out=: 0-d stays an array
    return arrays(), arrays(), arrays(positive=True), arrays(positive=True) if amsgrad else None


def copy_lists(*lists):
    return [None if arrays is None else [a.copy() for a in arrays] for arrays in lists]


def test_registered_for_every_backend_with_the_preference_of_adam_update():
    assert set(registry._kernels["adam_update_multi"].targets) == {"numpy", "numba", "c"}
    assert registry._kernels["adam_update_multi"].prefer == registry._kernels["adam_update"].prefer


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_equals_adam_update_on_each_parameter(backend, dtype, amsgrad, weight_decay):
    rng = np.random.default_rng(0)
    params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs = make_state(rng, SHAPES, dtype, amsgrad)
    singles = {b: copy_lists(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs) for b in {backend, "numpy"}}
    for step in (1, 2, 3, 10):
        grads = [np.asarray(rng.standard_normal(shape), dtype=dtype) for shape in SHAPES]
        grads_before = copy_lists(grads)[0]
        out = impl("adam_update_multi", backend)(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs,
                                                 weight_decay=weight_decay, step=step, **HYPER)
        assert out is None
        for b, (p, m, v, v_max) in singles.items():
            for i in range(len(SHAPES)):
                impl("adam_update", b)(p[i], grads[i], m[i], v[i], None if v_max is None else v_max[i],
                                       weight_decay=weight_decay, step=step, **HYPER)
        for g, g0 in zip(grads, grads_before):
            np.testing.assert_array_equal(g, g0)
        for b, single in singles.items():
            for name, ours, theirs in zip(("param", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
                                          (params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs), single):
                if ours is None:
                    continue
                for i, (a, r) in enumerate(zip(ours, theirs)):
                    assert a.dtype == dtype and a.shape == SHAPES[i]
                    np.testing.assert_array_equal(a, r, err_msg=f"{name}[{i}] vs adam_update ({b}), step {step}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_reads_non_contiguous_and_read_only_grads_and_keeps_the_callers_list(backend):
    rng = np.random.default_rng(1)
    shapes = [(4, 6), (5,)]
    params, exp_avgs, exp_avg_sqs, _ = make_state(rng, shapes, np.float64, False)
    reference = copy_lists(params, exp_avgs, exp_avg_sqs)
    grads = [rng.standard_normal((6, 4)).T, rng.standard_normal(10)[::2]]
    grads[1].flags.writeable = False
    grad_list = list(grads)
    impl("adam_update_multi", backend)(params, grad_list, exp_avgs, exp_avg_sqs, None, step=1, weight_decay=0.0,
                                       **HYPER)
    assert all(a is b for a, b in zip(grad_list, grads))
    for i in range(2):
        impl("adam_update", "numpy")(reference[0][i], np.ascontiguousarray(grads[i]), reference[1][i],
                                     reference[2][i], None, step=1, weight_decay=0.0, **HYPER)
        np.testing.assert_array_equal(params[i], reference[0][i])


@pytest.mark.parametrize("backend", BACKENDS)
def test_views_of_one_buffer_that_do_not_overlap_are_accepted(backend):
    buffer, state = np.ones(20), np.zeros(60)
    params = [buffer[:12].reshape(3, 4), buffer[12:]]
    exp_avgs = [state[:12].reshape(3, 4), state[12:20]]
    exp_avg_sqs = [state[20:32].reshape(3, 4), state[32:40]]
    grad = np.arange(20.0)
    grads = [grad[:12].reshape(3, 4), grad[4:12]]  # two grads may overlap: they are only read
    impl("adam_update_multi", backend)(params, grads, exp_avgs, exp_avg_sqs, None, 0.1, 0.5, 0.999, 1e-8, 0.0, 1)
    np.testing.assert_array_equal(exp_avgs[1], 0.5 * grad[4:12])  # 1 - beta1 = 0.5 exactly
    assert np.all(state[40:] == 0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_grads_over_foreign_buffers_are_accepted(backend):
    """Read-only grads over bytes (their base is not an ndarray): compared by address."""
    memory = np.arange(8.0).tobytes()
    grads = [np.frombuffer(memory, count=4), np.frombuffer(memory, offset=16, count=4)]  # overlapping, read-only
    params, exp_avgs, exp_avg_sqs = [np.ones(4), np.ones(4)], [np.zeros(4), np.zeros(4)], [np.zeros(4), np.zeros(4)]
    impl("adam_update_multi", backend)(params, grads, exp_avgs, exp_avg_sqs, None, 0.1, 0.5, 0.999, 1e-8, 0.0, 1)
    np.testing.assert_array_equal(exp_avgs[1], 0.5 * np.arange(2.0, 6.0))


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_lists_do_nothing_but_the_scalars_are_checked(backend):
    f = impl("adam_update_multi", backend)
    assert f([], [], [], [], None, 0.1, 0.9, 0.999, 1e-8, 0.0, 1) is None
    assert f([], [], [], [], [], 0.1, 0.9, 0.999, 1e-8, 0.0, 1) is None
    with pytest.raises(ValueError, match="adam_update_multi: lr"):
        f([], [], [], [], None, -0.1, 0.9, 0.999, 1e-8, 0.0, 1)


# ---------------------------------------------------------------- bad input

def good_args(amsgrad=False):
    """Four float64 parameters of different shapes, with their grads and state."""
    shapes = [(3, 4), (4,), (2, 2, 2), (256, 784)]
    rng = np.random.default_rng(2)
    params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs = make_state(rng, shapes, np.float64, amsgrad)
    grads = [rng.standard_normal(shape) for shape in shapes]
    return dict(params=params, grads=grads, exp_avgs=exp_avgs, exp_avg_sqs=exp_avg_sqs,
                max_exp_avg_sqs=max_exp_avg_sqs, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                step=1)


def replaced(args, name, index, value):
    """``args`` with entry ``index`` of list ``name`` replaced (a new list)."""
    new = list(args[name])
    new[index] = value
    return {**args, name: new}


def read_only(a):
    a.flags.writeable = False
    return a


def bad_cases():
    """(description, function of good_args() -> bad arguments, error type, words of the message)."""
    def change(**kw):
        return lambda a: {**a, **kw}

    def entry(name, index, make):
        return lambda a: replaced(a, name, index, make(a))

    def params_of_one_buffer(a):
        buffer = np.zeros(20)
        return {**a, "params": [buffer[:12].reshape(3, 4), buffer[8:12]] + a["params"][2:]}

    def param_through_a_memoryview(a):
        # a foreign buffer (base is a memoryview, not an ndarray) over param[0]'s memory
        alias = np.asarray(memoryview(a["params"][0])).reshape(-1)[4:8]
        return replaced(a, "params", 1, alias)

    def param_through_as_strided(a):
        alias = np.lib.stride_tricks.as_strided(a["exp_avgs"][3], shape=(4,), strides=(8,))
        return replaced(a, "params", 1, alias)

    def params_over_a_bytearray(a):
        # np.frombuffer: the base is not an ndarray; bytes 8..32 are in both
        memory = bytearray(12 * 8)
        return {**a, "params": [np.frombuffer(memory, count=4).reshape(4), np.frombuffer(memory, offset=8, count=4)]
                + a["params"][2:], "exp_avgs": [np.zeros(4)] + a["exp_avgs"][1:],
                "exp_avg_sqs": [np.zeros(4)] + a["exp_avg_sqs"][1:], "grads": [np.zeros(4)] + a["grads"][1:]}

    return [
        ("list lengths", change(grads=[np.zeros((3, 4))]), ValueError, ["1 grads", "4 params"]),
        ("amsgrad list length", lambda a: {**good_args(amsgrad=True), "max_exp_avg_sqs": [np.zeros((3, 4))]},
         ValueError, ["1 max_exp_avg_sqs", "4 params"]),
        ("not a list", change(params=np.zeros((3, 4))), TypeError, ["params must be a list", "ndarray"]),
        ("shape at index 3", entry("exp_avgs", 3, lambda a: np.zeros(256)), ValueError,
         ["exp_avg[3] has shape (256,) but param[3] has shape (256, 784)"]),
        ("grad shape", entry("grads", 2, lambda a: np.zeros((2, 4))), ValueError,
         ["grad[2] has shape (2, 4) but param[2] has shape (2, 2, 2)"]),
        ("max_exp_avg_sq shape", lambda a: replaced(good_args(amsgrad=True), "max_exp_avg_sqs", 1, np.zeros(5)),
         ValueError, ["max_exp_avg_sq[1] has shape (5,)", "param[1]"]),
        ("mixed param dtypes", entry("params", 1, lambda a: np.zeros(4, np.float32)), TypeError,
         ["param[1] has dtype float32 but param[0] has dtype float64"]),
        ("grad dtype", entry("grads", 3, lambda a: np.zeros((256, 784), np.float32)), TypeError,
         ["grad[3] has dtype float32 but param[3] has dtype float64"]),
        ("state dtype", entry("exp_avg_sqs", 0, lambda a: np.zeros((3, 4), np.float32)), TypeError,
         ["exp_avg_sq[0]", "float32"]),
        ("int param", entry("params", 0, lambda a: np.zeros((3, 4), np.int64)), TypeError, ["param[0]", "int64"]),
        ("not an array", entry("grads", 1, lambda a: [0.0] * 4), TypeError, ["grad[1]", "numpy.ndarray", "list"]),
        ("non-contiguous param", entry("params", 0, lambda a: np.zeros((4, 3)).T), ValueError,
         ["param[0]", "C-contiguous"]),
        ("non-contiguous later param", entry("params", 2, lambda a: np.zeros((2, 2, 4))[..., ::2]), ValueError,
         ["param[2]", "C-contiguous"]),
        ("read-only later param", entry("params", 3, lambda a: read_only(np.zeros((256, 784)))), ValueError,
         ["param[3]", "writeable"]),
        ("non-contiguous state", entry("exp_avg_sqs", 2, lambda a: np.zeros((2, 2, 4))[:, :, ::2]), ValueError,
         ["exp_avg_sq[2]", "C-contiguous"]),
        ("read-only state", entry("exp_avgs", 1, lambda a: read_only(np.zeros(4))), ValueError,
         ["exp_avg[1]", "writeable"]),
        ("two params are views of one buffer", params_of_one_buffer, ValueError,
         ["param[0] and param[1] share memory"]),
        ("grad aliases its param", lambda a: replaced(a, "grads", 2, a["params"][2]), ValueError,
         ["param[2]", "grad[2]", "share memory"]),
        ("grad aliases another param", lambda a: replaced(a, "grads", 1, a["params"][3][0, :4]), ValueError,
         ["param[3]", "grad[1]", "share memory"]),
        ("state of one param is another's", lambda a: replaced(a, "exp_avg_sqs", 1, a["exp_avgs"][1]), ValueError,
         ["exp_avg[1]", "exp_avg_sq[1]", "share memory"]),
        ("state overlaps another param's state", lambda a: replaced(a, "exp_avgs", 1, a["exp_avg_sqs"][3][5, 10:14]),
         ValueError, ["exp_avg[1]", "exp_avg_sq[3]", "share memory"]),
        ("a foreign buffer over a param", param_through_a_memoryview, ValueError,
         ["param[0]", "param[1]", "share memory"]),
        ("as_strided over a state", param_through_as_strided, ValueError,
         ["param[1]", "exp_avg[3]", "share memory"]),
        ("two params over one bytearray", params_over_a_bytearray, ValueError,
         ["param[0]", "param[1]", "share memory"]),
        ("lr", change(lr=-1.0), ValueError, ["lr", "-1.0"]),
        ("lr bool", change(lr=True), TypeError, ["lr", "bool"]),
        ("beta1", change(beta1=1.0), ValueError, ["beta1", "1.0"]),
        ("beta2", change(beta2=float("nan")), ValueError, ["beta2", "nan"]),
        ("eps", change(eps=0.0), ValueError, ["eps"]),
        ("weight_decay", change(weight_decay=-1e-4), ValueError, ["weight_decay"]),
        ("step 0", change(step=0), ValueError, ["step", "0"]),
        ("step float", change(step=1.0), TypeError, ["step"]),
    ]


CASES = bad_cases()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_bad_input_raises_an_error_naming_the_kernel_and_changes_nothing(backend, case):
    _, make_bad, error, words = CASES[case]
    args = make_bad(good_args())
    lists = ("params", "grads", "exp_avgs", "exp_avg_sqs", "max_exp_avg_sqs")
    before = {name: [np.array(a, copy=True) for a in args[name]] for name in lists
              if isinstance(args[name], list)}
    with pytest.raises(error) as info:
        impl("adam_update_multi", backend)(**args)
    message = str(info.value)
    assert message.startswith("adam_update_multi: "), message
    for word in words:
        assert word in message, (word, message)
    for name, copies in before.items():
        for i, (a, a0) in enumerate(zip(args[name], copies)):
            np.testing.assert_array_equal(a, a0, err_msg=f"{name}[{i}] changed by a rejected call")


def test_shared_memory_check_agrees_with_may_share_memory():
    """Random views of two buffers: the sorted sweep rejects exactly the calls in which
    some pair other than two grads shares memory (np.may_share_memory on every pair)."""
    rng = np.random.default_rng(3)
    names = ("param", "grad", "exp_avg", "exp_avg_sq")
    rejected = accepted = 0
    for _ in range(400):
        buffers = [np.zeros(64), np.zeros(64)]
        n = int(rng.integers(1, 4))
        lists = [[], [], [], []]
        for _ in range(n):
            for arrays in lists:
                if rng.random() < 0.15:
                    size = int(rng.integers(0, 3))
                    arrays.append(np.zeros(size))  # its own memory (or none at all)
                    continue
                buffer = buffers[int(rng.integers(0, 2))]
                start = int(rng.integers(0, 60))
                arrays.append(buffer[start:start + int(rng.integers(1, 64 - start + 1))])
        flat = [(name, a) for name, arrays in zip(names, lists) for a in arrays]
        expected = any(np.may_share_memory(a, b) and not (na == "grad" and nb == "grad")
                       for j, (na, a) in enumerate(flat) for nb, b in flat[j + 1:])
        try:
            elementwise._reject_shared_memory("adam_update_multi", lists)
        except ValueError as e:
            assert expected, str(e)
            rejected += 1
        else:
            assert not expected
            accepted += 1
    assert rejected > 50 and accepted > 20
