"""The demos in their --quick mode: each writes its PNGs and shows what its docstring claims.

Each demo runs once per module (in-process, into a temporary directory); its ``main``
returns the numbers it printed, and the tests assert them against the lecture notes and
the closed forms in the demos' docstrings.
"""
import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest

DEMOS = pathlib.Path(__file__).resolve().parents[2] / "demos"


def load(filename):
    """Import demos/<filename> (its name starts with a digit, so by path); the demos import
    their shared ``_games`` module from their own directory."""
    if str(DEMOS) not in sys.path:
        sys.path.insert(0, str(DEMOS))
    spec = importlib.util.spec_from_file_location(filename.removesuffix(".py"), DEMOS / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """run(filename) -> (module, results of main(--quick), output directory), once per demo."""
    done = {}

    def run_demo(filename):
        if filename not in done:
            module = load(filename)
            out = tmp_path_factory.mktemp(filename.removesuffix(".py"))
            done[filename] = module, module.main(["--quick", "--out", str(out)]), out
        return done[filename]
    return run_demo


@pytest.mark.parametrize("filename, pictures", [
    ("01_toy_minmax.py", ["trajectories.png", "distance.png"]),
    ("02_bilinear_game.py", ["trajectories.png", "distance.png", "trajectory_simultaneous.png",
                             "trajectory_alternating.png", "trajectory_extragradient.png",
                             "trajectory_optimistic.png"]),
    ("03_generator_costs.py", ["costs.png", "slope_wrt_D.png", "slope_wrt_logit.png"]),
    ("04_transposed_conv_matrix.py", ["conv_matrix_1d_stride1.png", "conv_matrix_1d_stride2.png",
                                      "conv_matrix_2d.png"]),
    ("06_optimal_discriminator.py", ["optimal_discriminator.png", "dirac_gan.png"]),
])
def test_demo_writes_its_pictures(run, filename, pictures):
    _, _, out = run(filename)
    for name in pictures:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_toy_first_steps_match_the_notes(run):
    toy, results, _ = run("01_toy_minmax.py")
    first = results["first_step"]
    np.testing.assert_allclose(first["simultaneous"], [-1.1, 0.1], atol=1e-12)  # seed 000, by hand
    np.testing.assert_allclose(first["alternating (x first)"], [-1.1, 0.08], atol=1e-12)
    np.testing.assert_allclose(first["y first, as seed 004 writes it"], [-1.22, 0.1], atol=1e-12)


def test_toy_saddle_point_and_convergence(run):
    toy, results, _ = run("01_toy_minmax.py")
    np.testing.assert_allclose(toy.FIELD(toy.SADDLE), [0.0, 0.0], atol=1e-12)
    assert toy.curvatures(toy.SADDLE) == pytest.approx((2.0, -6.0))
    start = np.linalg.norm(toy.START - toy.SADDLE)
    for name, distance in results["final_distance"].items():
        assert distance < 1e-3 * start, name


def test_bilinear_simultaneous_spirals_out_by_sqrt_1_plus_lr2(run):
    bilinear, results, _ = run("02_bilinear_game.py")
    np.testing.assert_allclose(results["growth"], math.sqrt(1 + bilinear.LR ** 2), rtol=1e-12)


def test_bilinear_alternating_cycles_on_its_invariant(run):
    bilinear, results, _ = run("02_bilinear_game.py")
    np.testing.assert_allclose(results["invariant"], results["invariant"][0], rtol=1e-12)
    radius = results["radii"]["alternating"]
    assert radius.min() > 0.8 * radius[0] and radius.max() <= radius[0] * (1 + 1e-12)


def test_bilinear_extragradient_and_optimistic_converge(run):
    bilinear, results, _ = run("02_bilinear_game.py")
    lr = bilinear.LR
    np.testing.assert_allclose(results["shrink"], math.sqrt(1 - lr ** 2 + lr ** 4), rtol=1e-12)
    for name in ("extragradient", "optimistic"):
        radius = results["radii"][name]
        assert radius[-1] < 0.5 * radius[0], name


def test_generator_cost_slopes_saturate_for_minimax_only(run):
    _, results, _ = run("03_generator_costs.py")
    d, slope = results["probe"], results["dj_dlogit"]
    np.testing.assert_allclose(slope["minimax"], -d / 2, rtol=1e-9)  # -> 0 as D -> 0: saturates
    np.testing.assert_allclose(slope["non-saturating"], -(1 - d) / 2, rtol=1e-9)  # -> -1/2: does not
    np.testing.assert_allclose(slope["maximum likelihood"], -d / (2 * (1 - d)), rtol=1e-9)
    np.testing.assert_allclose(results["dj_dd"]["non-saturating"], -1 / (2 * d), rtol=1e-9)
    assert abs(slope["minimax"][-1]) < 1e-4 and abs(slope["non-saturating"][-1]) > 0.49


def test_transposed_conv_is_the_transpose_of_the_conv_matrix(run):
    _, results, _ = run("04_transposed_conv_matrix.py")
    assert len(results["transpose_gap"]) == 3
    for name, gap in results["transpose_gap"].items():
        assert gap < 1e-12, name
    lhs, rhs = results["adjoint"]
    assert abs(lhs - rhs) < 1e-12 * abs(lhs)


def test_conv_matrix_of_the_notes_1d_stride2_example():
    tconv = load("04_transposed_conv_matrix.py")
    import npgan as ng
    k = ng.tensor(np.array([1.0, 2.0, 3.0]).reshape(1, 1, 1, 3))
    expected = [[1, 2, 3, 0, 0, 0, 0],
                [0, 0, 1, 2, 3, 0, 0],
                [0, 0, 0, 0, 1, 2, 3]]
    c, t = tconv.conv_matrices((1, 7), k, (1, 2), (0, 0))
    np.testing.assert_array_equal(c, expected)
    np.testing.assert_array_equal(t, np.transpose(expected))


def test_trained_discriminator_matches_the_optimal_one(run):
    # The error concentrates where D* climbs from 0 to 1 (x near 0.85, slope dD*/dx = 1.6):
    # 0.1 there is the decision boundary misplaced by 0.06, an eighth of p_data's std.
    # Over seeds 0-5 the quick run's worst case is 0.056 (mean error at most 0.005).
    _, results, _ = run("06_optimal_discriminator.py")
    assert results["max_error"] < 0.1
    assert results["mean_error"] < 0.01


def test_value_at_the_optimal_discriminator_is_minus_log_4_plus_2_js(run):
    """V(D*) = -log 4 + 2 JS(p_data || p_g) (seed 003), against a JS integrated here
    independently on a wider, finer grid; the trained D's value is below V(D*)."""
    demo, results, _ = run("06_optimal_discriminator.py")
    x = np.linspace(-14.0, 14.0, 280001)
    p, q = demo.normal_pdf(x, *demo.DATA), demo.normal_pdf(x, *demo.GENERATOR)
    m = (p + q) / 2
    js = np.trapezoid(0.5 * p * np.log(p / m) + 0.5 * q * np.log(q / m), x)
    assert 0.0 < js < math.log(2)
    assert abs(results["js"] - js) < 1e-6
    assert abs(results["v_star"] - (-math.log(4) + 2 * js)) < 1e-6
    assert results["v_star"] - 0.02 < results["v_trained"] <= results["v_star"] + 1e-9


def test_dirac_gan_converges_only_with_r1(run):
    _, results, _ = run("06_optimal_discriminator.py")
    start = math.sqrt(2.0)
    for name, distance in results["dirac_distance"].items():
        if "R1" in name:
            assert distance < 1e-2, name
        else:
            assert distance > 0.9 * start, name
