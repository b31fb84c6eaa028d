"""Demo 4 — transposed convolution is the transpose of the convolution's matrix (seed 004).

A convolution is linear in its input, so on flattened inputs it is a matrix: y = C x.
Column j of C is the convolution of the j-th unit vector e_j, which is how this demo
builds C — by running ``F.conv2d`` on every e_j. For a 1-D convolution with kernel
(k1, k2, k3) (PyTorch's cross-correlation, y_i = sum_t k_t x_{i*s - p + t - 1}):

    stride 1, padding 1 (n x n)          stride 2, padding 0 (((n - 3)/2 + 1) x n, n odd)
    [k2 k3  0  0  0]                     [k1 k2 k3  0  0  0  0]
    [k1 k2 k3  0  0]                     [ 0  0 k1 k2 k3  0  0]
    [ 0 k1 k2 k3  0]                     [ 0  0  0  0 k1 k2 k3]
    [ 0  0 k1 k2 k3]
    [ 0  0  0 k1 k2]                     (each row moves right by the stride)

The transposed convolution ``F.conv_transpose2d`` with the same kernel, stride and
padding applies C^T: it maps the output shape back to the input shape (the stride-2 one
*upsamples*, which is why DCGAN's generator uses it). It is also exactly what backprop
needs: the gradient of 1/2 ||C x - y||^2 is C^T (C x - y), the notes' example. The same
holds in 2-D with channels, checked without any matrix by the adjoint identity

    <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>   for all x, y.

What to look for: the printed matrices (kernel 1, 2, 3 so each entry names its tap); the
matrix of conv_transpose2d equals C^T to the last bit; the 2-D picture
(conv_matrix_2d.png) shows each output pixel's row touching a 3x3 patch of the 4x4 input,
and C^T spreading each output pixel back over that patch.

    python demos/04_transposed_conv_matrix.py [--out DIR] [--quick]
"""
import argparse
import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import npgan as ng
import npgan.nn.functional as F


def matrix_of(linear_map, in_hw):
    """The matrix of a linear map on one-channel H x W images: column j is the map applied
    to the j-th unit image e_j (all unit images go through as one batch)."""
    n = in_hw[0] * in_hw[1]
    basis = ng.tensor(np.eye(n).reshape(n, 1, *in_hw), dtype=np.float64)
    return linear_map(basis).numpy().reshape(n, -1).T


def conv_matrices(in_hw, weight, stride, padding, output_padding=0):
    """C, the matrix of conv2d on H x W inputs, and the matrix of conv_transpose2d with the
    same weight, stride and padding on C's output shape (which should be C^T)."""
    c = matrix_of(lambda e: F.conv2d(e, weight, stride=stride, padding=padding), in_hw)
    out_hw = F.conv2d(ng.tensor(np.zeros((1, 1, *in_hw))), weight, stride=stride, padding=padding).shape[2:]
    t = matrix_of(lambda e: F.conv_transpose2d(e, weight, stride=stride, padding=padding,
                                               output_padding=output_padding), out_hw)
    return c, t


def backprop_is_transpose(c, in_hw, weight, stride, padding, rng):
    """max |autodiff gradient of 1/2 ||conv(x) - y||^2 - C^T (conv(x) - y)|."""
    x = ng.tensor(rng.standard_normal((1, 1, *in_hw)), requires_grad=True)
    conv_x = F.conv2d(x, weight, stride=stride, padding=padding)
    y = ng.tensor(rng.standard_normal(conv_x.shape))
    residual = conv_x - y
    gx, = ng.grad(0.5 * (residual * residual).sum(), [x])
    return np.abs(gx.numpy().ravel() - c.T @ residual.numpy().ravel()).max()


def adjoint_gap(rng, stride=2, padding=1):
    """<conv2d(x, w), y> and <x, conv_transpose2d(y, w)> for random multi-channel x, w, y."""
    x = ng.tensor(rng.standard_normal((2, 3, 5, 5)))
    w = ng.tensor(rng.standard_normal((4, 3, 3, 3)))  # conv2d reads (out 4, in 3); conv_transpose2d (in 4, out 3)
    conv_x = F.conv2d(x, w, stride=stride, padding=padding)
    y = ng.tensor(rng.standard_normal(conv_x.shape))
    lhs = float((conv_x.numpy() * y.numpy()).sum())
    rhs = float((x.numpy() * F.conv_transpose2d(y, w, stride=stride, padding=padding).numpy()).sum())
    return lhs, rhs


def save_matrices(matrices, path):
    """Heat maps of the ``{title: matrix}`` side by side, every entry written on its cell."""
    cell = 0.42  # inches per matrix entry
    width = cell * sum(m.shape[1] for m in matrices.values()) + 1.2 * len(matrices)
    fig = Figure(figsize=(max(width, 6), cell * max(m.shape[0] for m in matrices.values()) + 1.4),
                 layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(matrices), width_ratios=[m.shape[1] for m in matrices.values()])
    for ax, (title, m) in zip(axes, matrices.items()):
        top = np.abs(m).max()
        ax.imshow(np.abs(m), cmap="Blues", vmin=0, vmax=top)
        for (i, j), v in np.ndenumerate(m):
            if v:
                ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=8,
                        color="white" if abs(v) > top / 2 else "black")
        ax.set(title=f"{title}\n{m.shape[0]} x {m.shape[1]}", xticks=range(m.shape[1]), yticks=range(m.shape[0]))
        ax.tick_params(labelsize=7)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    return path


def show(matrix):
    return np.array2string(matrix, formatter={"float": lambda v: f"{v:3g}"}, max_line_width=200)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("demo_out", "transposed_conv_matrix"))
    parser.add_argument("--quick", action="store_true", help="accepted for symmetry: this demo is always quick")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    gaps = {}

    kernel_1d = ng.tensor(np.array([1.0, 2.0, 3.0]).reshape(1, 1, 1, 3))  # (k1, k2, k3) = (1, 2, 3)
    kernel_2d = ng.tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3))  # 1..9 row by row
    examples = {  # name: (input H x W, kernel, stride, padding, output_padding, picture)
        "1-D, n = 5, stride 1, padding 1": ((1, 5), kernel_1d, (1, 1), (0, 1), 0, "conv_matrix_1d_stride1.png"),
        "1-D, n = 7, stride 2, padding 0": ((1, 7), kernel_1d, (1, 2), (0, 0), 0, "conv_matrix_1d_stride2.png"),
        # output_padding 1: conv2d maps 4 x 4 and 3 x 3 both to 2 x 2; it picks 4 x 4 back
        "2-D, 4 x 4 input, 3 x 3 kernel, stride 2, padding 1": ((4, 4), kernel_2d, 2, 1, 1, "conv_matrix_2d.png"),
    }
    for name, (in_hw, kernel, stride, padding, output_padding, picture) in examples.items():
        c, t = conv_matrices(in_hw, kernel, stride, padding, output_padding)
        print(f"{name}, kernel {kernel.numpy().ravel().astype(int).tolist()}: "
              f"C ({c.shape[0]} output by {c.shape[1]} input positions) =\n{show(c)}")
        save_matrices({"C (output x input)": c, "conv_transpose2d = C^T\n(input x output)": t},
                      os.path.join(args.out, picture))
        random_kernel = ng.tensor(rng.standard_normal(kernel.shape))
        c, t = conv_matrices(in_hw, random_kernel, stride, padding, output_padding)
        gaps[name] = np.abs(t - c.T).max()
        print(f"  random kernel: max |matrix of conv_transpose2d - C^T| = {gaps[name]:.1e}")
        backprop = backprop_is_transpose(c, in_hw, random_kernel, stride, padding, rng)
        print(f"  autodiff's gradient of 1/2 ||conv(x) - y||^2 vs C^T (conv(x) - y): max diff {backprop:.1e}")

    lhs, rhs = adjoint_gap(rng)
    print(f"adjoint identity, x (2, 3, 5, 5), w (4, 3, 3, 3), stride 2, padding 1: "
          f"<conv2d(x, w), y> = {lhs:.12f}, <x, conv_transpose2d(y, w)> = {rhs:.12f}, "
          f"relative difference {abs(lhs - rhs) / abs(lhs):.1e}")
    print(f"pictures in {args.out}/")
    return {"transpose_gap": gaps, "adjoint": (lhs, rhs)}


if __name__ == "__main__":
    main()
