"""One declarative spec per op: how to call it and which inputs to feed it.

Each spec generates forward-independent first- and second-order finite-difference
checks (tests/ops/test_op_gradients.py). Input *domains* keep finite differences away
from kinks and singularities: "pos" draws from [0.5, 2], "away0" pushes |x| >= 0.2.
Opting an op out of a check is a named flag here (``second_order=False``) a reviewer
can grep — none is used today.
"""
from dataclasses import dataclass, field

import numpy as np

import npgan as ng
import npgan.nn.functional as F


@dataclass
class OpSpec:
    name: str
    fn: callable
    shapes: list  # each entry: a tuple of input shapes for one configuration
    domain: str = "any"  # any | pos | away0
    uses_kernels: bool = False  # run on every backend
    second_order: bool = True
    extra: dict = field(default_factory=dict)


BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((1,), (5,)), ((), (2, 3))]
UNARY_SHAPES = [((3, 4),), ((1,),), ((5,),), ((2, 3, 1),), ((),)]
REDUCE_SHAPES = [((3, 4),), ((2, 3, 5),), ((1, 4),)]

SPECS = [
    OpSpec("add", lambda a, b: a + b, BINARY_SHAPES),
    OpSpec("sub", lambda a, b: a - b, BINARY_SHAPES),
    OpSpec("mul", lambda a, b: a * b, BINARY_SHAPES),
    OpSpec("div", lambda a, b: a / b, BINARY_SHAPES, domain="pos"),
    OpSpec("rsub_scalar", lambda a: 2.5 - a, UNARY_SHAPES),
    OpSpec("rdiv_scalar", lambda a: 3.0 / a, UNARY_SHAPES, domain="pos"),
    OpSpec("neg", lambda a: -a, UNARY_SHAPES),
    OpSpec("pow_scalar", lambda a: a ** 3, UNARY_SHAPES),
    OpSpec("pow_square", lambda a: a ** 2, UNARY_SHAPES),
    OpSpec("pow_frac", lambda a: a ** 1.5, UNARY_SHAPES, domain="pos"),
    OpSpec("pow_tensor", lambda a, b: a ** b, BINARY_SHAPES, domain="pos"),
    OpSpec("exp", ng.exp, UNARY_SHAPES),
    OpSpec("log", ng.log, UNARY_SHAPES, domain="pos"),
    OpSpec("sqrt", ng.sqrt, UNARY_SHAPES, domain="pos"),
    OpSpec("abs", ng.abs, UNARY_SHAPES, domain="away0"),
    OpSpec("tanh", ng.tanh, UNARY_SHAPES),
    OpSpec("sigmoid", ng.sigmoid, UNARY_SHAPES),
    OpSpec("relu", ng.relu, UNARY_SHAPES, domain="away0"),
    OpSpec("leaky_relu", lambda a: F.leaky_relu(a, 0.2), UNARY_SHAPES, domain="away0", uses_kernels=True),
    OpSpec("softplus", ng.softplus, UNARY_SHAPES),
    OpSpec("softplus_beta", lambda a: F.softplus(a, beta=2.0), UNARY_SHAPES),
    OpSpec("maximum", ng.maximum, BINARY_SHAPES),
    OpSpec("minimum", ng.minimum, BINARY_SHAPES),
    OpSpec("clamp", lambda a: ng.clamp(a, -0.5, 0.7), UNARY_SHAPES),
    OpSpec("clamp_min", lambda a: ng.clamp(a, min=0.1), UNARY_SHAPES),
    OpSpec("where", lambda a, b: ng.where(a.data > 0, a * a, b), BINARY_SHAPES),
    OpSpec("sum_all", lambda a: a.sum(), REDUCE_SHAPES),
    OpSpec("sum_dim", lambda a: a.sum(1), REDUCE_SHAPES),
    OpSpec("sum_dims_keepdim", lambda a: a.sum((0, -1), keepdim=True), REDUCE_SHAPES),
    OpSpec("mean", lambda a: a.mean(0), REDUCE_SHAPES),
    OpSpec("var", lambda a: a.var(1), REDUCE_SHAPES),
    OpSpec("var_biased_keepdim", lambda a: a.var(0, keepdim=True, correction=0), REDUCE_SHAPES),
    OpSpec("max_all", lambda a: a.max(), REDUCE_SHAPES),
    OpSpec("max_dim", lambda a: a.max(1).values, REDUCE_SHAPES),
    OpSpec("amax_keepdim", lambda a: ng.amax(a, 0, keepdim=True), REDUCE_SHAPES),
    OpSpec("min_dim", lambda a: a.min(0).values, REDUCE_SHAPES),
    OpSpec("reshape", lambda a: a.reshape(-1, 2), [((3, 4),), ((2, 3, 2),)]),
    OpSpec("flatten", lambda a: a.flatten(1), [((2, 3, 4),), ((1, 2, 1),)]),
    OpSpec("transpose", lambda a: a.transpose(0, 1) * 1.5, [((3, 4),), ((2, 3, 4),)]),
    OpSpec("permute", lambda a: a.permute(2, 0, 1), [((2, 3, 4),), ((1, 3, 2),)]),
    OpSpec("unsqueeze_squeeze", lambda a: a.unsqueeze(1).squeeze(), [((3, 4),)]),
    OpSpec("broadcast_to", lambda a: ng.broadcast_to(a, (2, 3, 4)), [((3, 1),), ((4,),)]),
    OpSpec("getitem_slice", lambda a: a[1:, ::2], [((3, 5),), ((2, 3, 4),)]),
    OpSpec("getitem_int", lambda a: a[-1], [((3, 5),)]),
    OpSpec("getitem_fancy_repeat", lambda a: a[np.array([0, 2, 0])], [((3, 4),)]),
    OpSpec("getitem_bool", lambda a: a[a.data > 0], [((3, 4),)]),
    OpSpec("cat", lambda a, b: ng.cat([a, b, a], dim=1), [((2, 3), (2, 1)), ((1, 2, 2), (1, 3, 2))]),
    OpSpec("stack", lambda a, b: ng.stack([a, b], dim=-1), [((2, 3), (2, 3)), ((4,), (4,))]),
    OpSpec("matmul", ng.matmul, [((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((1, 3), (3, 1)), ((4,), (4, 2)),
                                 ((3, 4), (4,)), ((4,), (4,)), ((2, 1, 2, 3), (3, 3, 2))]),
    OpSpec("linear", lambda x, w, b: F.linear(x, w, b), [((5, 3), (4, 3), (4,)), ((1, 3), (2, 3), (2,)),
                                                         ((2, 3, 4), (5, 4), (5,))]),
    OpSpec("linear_nobias", lambda x, w: F.linear(x, w), [((5, 3), (4, 3))]),
    OpSpec("bce_with_logits", lambda x, t: F.binary_cross_entropy_with_logits(x, t),
           [((3, 4), (3, 4)), ((1,), (1,)), ((7,), (7,))], uses_kernels=True),
    OpSpec("bce_with_logits_sum_weight", lambda x, t, w: F.binary_cross_entropy_with_logits(
        x, t, weight=w, reduction="sum"), [((3, 4), (3, 4), (4,))], uses_kernels=True),
    OpSpec("bce_with_logits_none", lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
           [((2, 3), (2, 3))], uses_kernels=True),
    OpSpec("mse_loss", lambda x, t: F.mse_loss(x, t), [((3, 4), (3, 4)), ((1,), (1,))]),
    OpSpec("mse_loss_none", lambda x, t: F.mse_loss(x, t, reduction="none"), [((2, 3), (2, 3))]),
    # |x - t| has its kink at x = t, which standard normal draws miss by far more than eps
    OpSpec("l1_loss", lambda x, t: F.l1_loss(x, t), [((3, 4), (3, 4)), ((1,), (1,)), ((2, 1, 5), (2, 1, 5))]),
    OpSpec("l1_loss_sum", lambda x, t: F.l1_loss(x, t, reduction="sum"), [((3, 5), (3, 5))]),
    OpSpec("l1_loss_none", lambda x, t: F.l1_loss(x, t, reduction="none"), [((2, 3), (2, 3)), ((), ())]),
    # training-mode batch norm (batch statistics, no running ones) and layer norm
    OpSpec("batch_norm_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           [((4, 3), (3,), (3,)), ((2, 3, 2, 3), (3,), (3,))]),
    OpSpec("layer_norm", lambda x, w, b: F.layer_norm(x, (3,), w, b), [((4, 3), (3,), (3,))]),
    # graph structure: one input used twice, and a reused intermediate node
    OpSpec("same_input_twice", lambda a: a * a + ng.maximum(a, a * 0.5), UNARY_SHAPES, domain="away0"),
    OpSpec("reused_intermediate", lambda a: (lambda y: y * y + ng.tanh(y) * y)(ng.exp(a) - 1.0), UNARY_SHAPES),
    # linear through a float32 round trip: a large eps is exact for a linear map and
    # stays above float32 rounding
    OpSpec("cast_roundtrip", lambda a: (a.float() * 2.0).double() + a, [((3,),)], extra={"tol": 1e-4, "eps": 1e-2}),
]


def make_inputs(shapes, domain, seed, transposed=False):
    """float64 leaf tensors requiring grad, drawn for ``domain``; ``transposed`` makes
    every 2-D-or-more input a non-contiguous transposed view."""
    rng = np.random.default_rng(seed)
    inputs = []
    for shape in shapes:
        if transposed and len(shape) >= 2:
            data = rng.standard_normal(shape[::-1]).T
        else:
            data = rng.standard_normal(shape)
        if domain == "pos":
            data = 0.5 + 1.5 * np.abs(data) / (1.0 + np.abs(data))
        elif domain == "away0":
            data = data + np.where(data >= 0, 0.2, -0.2)
        inputs.append(ng.Tensor(np.asarray(data, dtype=np.float64), requires_grad=True))
    return inputs
