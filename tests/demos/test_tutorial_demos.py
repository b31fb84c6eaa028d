"""The demos of issue 15 in their --quick mode: each one's defining claim, asserted.

Demos 9-14: f-GAN, JS against the earth mover's distance, the unrolled GAN, minibatch
features, virtual batch norm, SNGAN. Each runs once per module (``run`` from
test_demos.py) and its ``main`` returns the numbers it printed."""
import math

import numpy as np
import pytest

import npgan as ng
import npgan.nn.functional as F

from .test_demos import run  # noqa: F401  (the fixture)


def test_fgan_conjugates_match_their_definition(run):
    _, results, _ = run("09_fgan.py")
    for name, gap in results["conjugate_gaps"].items():
        assert gap < 1e-6, name


def test_fgan_critics_bound_and_reach_the_divergence(run):
    _, results, _ = run("09_fgan.py")
    closed = {"kl": 0.5, "reverse_kl": 0.5, "pearson": math.e - 1, "neyman": math.e - 1,
              "squared_hellinger": 2 * (1 - math.exp(-1 / 8))}
    for name, (true, estimate) in results["estimates"].items():
        if name in closed:
            assert true == pytest.approx(closed[name], abs=1e-6), name
        assert estimate <= true + 1e-9, name          # a lower bound for any critic
        shift = math.log(4) if name == "gan" else 0.0  # compare 2 JS, the part that depends on P, Q
        assert estimate + shift == pytest.approx(true + shift, rel=0.1), name


def test_fgan_kl_covers_both_modes_and_reverse_kl_picks_one(run):
    _, results, _ = run("09_fgan.py")
    (mu_kl, sigma_kl), (mu_rkl, sigma_rkl) = results["fits"]["kl"], results["fits"]["reverse_kl"]
    assert results["best"]["kl"] == pytest.approx((0.0, math.sqrt(0.25 + 4.0)), abs=1e-6)  # moment match
    assert results["best"]["reverse_kl"] == pytest.approx((2.0, 0.5), abs=0.05)
    assert abs(mu_kl) < 0.5 and sigma_kl > 1.5          # spread over both modes at -2 and 2
    assert abs(abs(mu_rkl) - 2.0) < 0.2 and sigma_rkl < 0.8   # on one mode (std 0.5)


def test_js_is_log_2_for_disjoint_supports_and_flat(run):
    _, results, _ = run("10_js_vs_wasserstein.py")
    grid, js = results["grid"], results["js"]
    np.testing.assert_allclose(js[grid != 0], math.log(2), rtol=0, atol=1e-12)
    assert js[grid == 0] == pytest.approx(0.0, abs=1e-12)
    assert results["js_slope"] == 0.0


def test_wgan_gp_critic_estimates_the_earth_movers_distance_and_points_the_right_way(run):
    _, results, _ = run("10_js_vs_wasserstein.py")
    assert len(results["critic"]) >= 4
    for theta, emd, estimate, g_grad in results["critic"]:
        assert emd == abs(theta)
        assert estimate == pytest.approx(abs(theta), rel=0.05), theta
        # the best penalized critic: slope 1 + |theta| / (2 lambda), lambda = 10 (the demo's docstring)
        assert estimate == pytest.approx(abs(theta) * (1 + abs(theta) / 20), rel=0.01), theta
        assert np.sign(g_grad) == np.sign(theta)       # descending G's loss moves theta towards 0


def test_exact_1d_plan_equals_brute_force(run):
    _, results, _ = run("10_js_vs_wasserstein.py")
    plans = results["plans"]
    assert plans["exact"] == pytest.approx(plans["brute_force"], rel=1e-12)
    assert plans["plan_cost"] == pytest.approx(plans["brute_force"], rel=1e-12)
    if plans["lp"] is not None:
        assert plans["lp"] == pytest.approx(plans["brute_force"], rel=1e-9)
    plan = plans["plan"]
    np.testing.assert_allclose(plan.sum(1), np.array([1, 2, 1, 3]) / 7)
    np.testing.assert_allclose(plan.sum(0), np.array([2, 1, 4]) / 7)


def test_unrolled_gradient_is_the_finite_difference_of_f_k_and_k_0_is_the_plain_gan(run):
    _, results, out = run("11_unrolled_gan.py")
    for k, (fd_error, from_plain, from_first_order) in results["gradient_check"].items():
        assert fd_error < 1e-8, k
        if k == 0:
            assert from_plain == 0.0 and from_first_order == 0.0   # exactly the plain gradient
        else:
            assert from_plain > 1e-4 and from_first_order > 1e-4, k  # the look-ahead and its graph matter
    for preset in ("nsgan", "unrolled"):
        assert (out / f"snapshots_{preset}.png").read_bytes()[:4] == b"\x89PNG"


def test_minibatch_features_see_a_collapsed_batch(run):
    _, results, out = run("12_minibatch_features.py")
    features = results["features"]
    n = 64
    md = features["minibatch"]["extra"]
    np.testing.assert_allclose(md["collapsed"], n, rtol=1e-6)       # every distance 0: o = N
    assert np.all(md["real"] >= 1.0 - 1e-6) and np.all(md["real"] < n - 1e-3)
    mbstd = features["mbstd"]
    f_real = mbstd["features"][n:].astype(np.float64)               # NumPy reference of s
    s_real = np.mean(np.sqrt(f_real.var(0) + mbstd["eps"]))
    np.testing.assert_allclose(mbstd["extra"]["real"], s_real, rtol=1e-4)
    np.testing.assert_allclose(mbstd["extra"]["collapsed"], np.sqrt(mbstd["eps"]), rtol=1e-3)
    # a per-sample D scores a point the same in any batch; the minibatch D does not
    per_sample = features["nsgan"]
    assert per_sample["score_collapsed"][0] == pytest.approx(per_sample["score_real"][0], abs=1e-6)
    assert abs(features["minibatch"]["score_collapsed"][0] - features["minibatch"]["score_real"][0]) > 1e-3
    for preset in ("nsgan", "minibatch", "mbstd"):
        assert (out / f"snapshots_{preset}.png").read_bytes()[:4] == b"\x89PNG"


def test_under_vbn_a_sample_does_not_depend_on_its_batch_and_under_bn_it_does(run):
    _, results, out = run("13_virtual_batch_norm.py")
    bn, vbn = results["BatchNorm"], results["VirtualBatchNorm"]
    assert vbn["z0_difference"] < 1e-12 and vbn["z0_colour_shift"] < 1e-12
    assert bn["z0_difference"] > 0.1 and bn["z0_colour_shift"] > 0.01
    for name in ("batches.png", "z0_in_two_batches.png", "snapshots_bn.png", "snapshots_vbn.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert sorted(results["coverage"]) == ["bn", "vbn"]


def test_sngan_critic_layers_have_sigma_1_and_bound_its_gradients(run):
    demo, results, out = run("14_sngan.py")
    mlp = results["mlp"]
    for sigma in mlp["sigmas"]:
        assert sigma == pytest.approx(1.0, abs=1e-3)
    assert mlp["bound"] == pytest.approx(1.0, abs=4e-3)
    assert mlp["gradient_norm"] <= mlp["bound"] + 1e-9
    assert mlp["gradient_norm_plain"] <= mlp["bound_plain"] + 1e-9
    for matrix, operator in results["conv"]:
        assert matrix == pytest.approx(1.0, abs=1e-3)
        assert operator > 1.0                   # SN normalizes the reshaped weight, not the conv operator
    for preset in ("nsgan", "sngan"):
        assert (out / f"snapshots_{preset}.png").read_bytes()[:4] == b"\x89PNG"


def test_sngan_demo_conv_operator_norm_is_the_largest_singular_value_of_the_conv_matrix(run):
    demo, _, _ = run("14_sngan.py")
    w = np.random.default_rng(3).standard_normal((4, 2, 5, 5))
    n = 2 * 8 * 8
    basis = ng.tensor(np.eye(n).reshape(n, 2, 8, 8))
    matrix = F.conv2d(basis, ng.tensor(w), stride=2, padding=2).numpy().reshape(n, -1).T
    assert demo.conv_operator_norm(w, 2, 2, (2, 8, 8), iterations=500) == pytest.approx(
        np.linalg.svd(matrix, compute_uv=False)[0], rel=1e-6)
