"""What a run draws: sample pictures and loss curves at the sample steps, and for 2-D runs
an animation of training and a final picture of mode coverage.

``RunPictures(trainer, dataset, config, out, resume_step)`` is called by the training loop
at every sample step (``at_sample_step``) and when the run is complete (``at_end``). The
models are evaluated here, in the app layer (autograd and the games), and handed to
``npgan.viz`` as arrays:

* D's value on a grid over the plane (the critic's f(x); D's logit for the BCE games);
* the generator's gradient field: for a generated sample at x, the per-sample generator
  cost c(x) (the game's L_G on one sample; L_G of a batch is the mean of c) and the arrow
  -dc/dx = -M dL_G/dx_i over a batch of M grid points: where G's update pushes a sample
  there. A packed D (PacGAN) judges a pack of copies of x; a D with minibatch features
  scores a point only within a batch, so its runs get no background and no arrows. The
  unrolled GAN's arrows are its base game's at the current D (not the look-ahead);
* the final picture: 2,500 samples (the VEEGAN / PacGAN protocol; the same samples as
  ``npgan eval``'s seed 0) over the data with the mode centres, their density, and the
  coverage numbers with what they mean, also printed.

Nothing here draws from the trainer's random streams, and D is evaluated in eval mode (no
power-iteration step of spectral norm), so pictures never change a run's trajectory.
The frames of the animation are kept in ``training_frames.npz`` (written at each sample
step), so a resumed run continues its animation instead of replacing it.
"""
import os

import numpy as np

from .. import viz
from ..autograd.engine import grad
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..metrics.mixture import N_SAMPLES, mode_coverage
from ..ops import broadcast_to, reshape
from ..serialization import load_checkpoint, save_checkpoint
from .presets import PRESETS, base_game
from .sampling import generate, in_mode, translate

FINAL = "final.png"
GIF, LAST_FRAME, FRAMES = "training.gif", "training.png", "training_frames.npz"
FRAME_SAMPLES = 500    # generated points per frame
MAP_SIZE = 40          # D's value on MAP_SIZE x MAP_SIZE cells
ARROW_GRID = 15        # arrows on ARROW_GRID x ARROW_GRID points
MAX_FRAMES = 24        # beyond it every other frame is dropped (memory and GIF size stay bounded)
FRAMES_KIND = "npgan-training-frames"

# What a healthy loss curve of each game looks like, under its loss_curve.png.
HEALTHY = {
    "minimax": "healthy: d_loss = 1/2 BCE(real) + 1/2 BCE(fake) hovers near log 2 = 0.69 (D cannot tell, D = 1/2) "
               "and g_loss near -0.35; d_loss falling to 0 means D wins and G's gradient vanishes",
    "non_saturating": "healthy: d_loss = 1/2 BCE(real) + 1/2 BCE(fake) hovers near log 2 = 0.69 (D cannot tell, "
                      "D = 1/2) and g_loss near 0.35; d_loss falling to 0 while g_loss climbs means D wins",
    "maximum_likelihood": "healthy: d_loss hovers near log 2 = 0.69 (D = 1/2) and g_loss near -0.5; d_loss falling "
                          "to 0 means D wins",
    "lsgan": "healthy (a, b, c = 0, 1, 1): d_loss near 0.25 and g_loss near 0.125, the values at D = 1/2 "
             "everywhere; d_loss falling to 0 means D separates real from fake",
    "wgan": "healthy: -d_loss ('wasserstein') estimates the Wasserstein-1 distance (times the clipped critic's "
            "Lipschitz constant) and falls toward 0 as G improves; g_loss alone means nothing (f's offset is free)",
    "wgan-gp": "healthy: 'wasserstein' = -(d_loss - gp) estimates the Wasserstein-1 distance and falls toward 0 "
               "as G improves, gp stays small; g_loss = -E f(G(z)) drifts with the critic's free offset",
    "hinge": "healthy: d_loss stays near 2 (D = 0 everywhere: cannot tell) rather than falling to 0; "
             "g_loss = -E D(G(z)) drifts with D's scale",
    "fgan": "healthy: -d_loss, the critic's lower bound on D_f(data || G), falls toward 0 as G approaches "
            "the data",
}


def value_label(game):
    """What the animation's background shows for ``game``: D's raw output, by its name."""
    if game in ("wgan", "wgan-gp"):
        return "critic f(x)"
    return {"fgan": "critic V(x)", "lsgan": "D(x)", "hinge": "D(x)"}.get(game, "D's logit")


class RunPictures:
    """The pictures of one run in ``out``; ``resume_step`` is the checkpoint's step on resume."""

    def __init__(self, trainer, dataset, config, out, resume_step=None):
        self.trainer, self.dataset, self.config, self.out = trainer, dataset, config, out
        self.preset = PRESETS[config.model]
        self.frames = None
        if dataset.kind == "points":
            self.limits = picture_limits(dataset)
            self.frames = FrameRecorder(os.path.join(out, FRAMES), config.sample_every, resume_step)
            if trainer.step_count == 0:
                self.frames.add(self.frame())

    def at_sample_step(self):
        """The sample picture, the loss curves and (2-D) a frame of the animation."""
        step = self.trainer.step_count
        save_samples(self.trainer, self.dataset, os.path.join(self.out, "samples", f"step_{step:06d}.png"))
        viz.save_loss_curves(os.path.join(self.out, "metrics.csv"), os.path.join(self.out, "loss_curve.png"),
                             title=f"{self.config.model} on {self.config.data}", caption=HEALTHY[self.preset.game])
        if self.frames is not None and self.frames.wants(step, step == self.config.steps):
            self.frames.add(self.frame())

    def frame(self):
        """The animation's frame now: samples (the same latent points every frame), D's map, G's field."""
        samples = generate(self.trainer, FRAME_SAMPLES, rng=np.random.default_rng(2))
        D = point_discriminator(self.trainer, self.preset)
        if D is None:
            return viz.TrainingFrame(self.trainer.step_count, samples)
        points = viz.grid_points(self.limits, ARROW_GRID)
        values = critic_values(self.trainer, D, viz.grid_points(self.limits, MAP_SIZE)).reshape(MAP_SIZE, MAP_SIZE)
        arrows = generator_field(self.trainer, D, base_game(self.preset, self.config), points)
        return viz.TrainingFrame(self.trainer.step_count, samples, values.astype(np.float32), points.astype(np.float32),
                                 arrows.astype(np.float32))

    def at_end(self, log):
        """The final picture and the animation of a 2-D run (nothing for images)."""
        if self.dataset.kind != "points":
            return
        samples = generate(self.trainer, N_SAMPLES, rng=np.random.default_rng([0, 0]))  # npgan eval's seed 0
        real, _ = self.dataset.sample(N_SAMPLES, np.random.default_rng(0))
        summary = None
        if self.dataset.centres is not None:
            summary = describe_coverage(mode_coverage(samples, self.dataset.centres, self.dataset.std),
                                        self.dataset.std, self.out)
        final = viz.save_coverage_2d(samples, os.path.join(self.out, FINAL), real=real, centres=self.dataset.centres,
                                     std=self.dataset.std, summary=summary, limits=self.limits,
                                     title=f"{self.config.model} on {self.config.data}, step {self.trainer.step_count}")
        gif = viz.save_training_animation(self.frames.frames, os.path.join(self.out, GIF), self.limits,
                                          real[:FRAME_SAMPLES], self.dataset.centres,
                                          value_label(self.preset.game),
                                          last_frame_png=os.path.join(self.out, LAST_FRAME))
        if summary:
            log(summary)
        log(f"final picture: {final}; training animation: {gif} ({len(self.frames.frames)} frames, "
            f"last frame {os.path.join(self.out, LAST_FRAME)})")


def save_samples(trainer, dataset, path, n=64):
    """A grid of generated images (for a conditional model one row per class, labelled with
    it), a scatter of generated 2-D points over real ones, or for pairs rows of input /
    output / target."""
    if dataset.kind == "pairs":
        return save_triplets(trainer, dataset, path)
    labels = rows = None
    if trainer.num_classes is not None:
        per_row = max(1, n // trainer.num_classes)
        labels = np.repeat(np.arange(trainer.num_classes), per_row)
        rows = [f"class {k}" for k in range(trainer.num_classes)]
    fake = generate(trainer, n if labels is None else labels.size, labels)
    if dataset.kind == "images":
        return viz.save_image_grid(fake, path, nrow=None if labels is None else per_row, labels=rows)
    real, _ = dataset.sample(len(fake), np.random.default_rng(0))
    return viz.save_scatter_2d(fake, path, real=real, centres=dataset.centres, title=f"step {trainer.step_count}")


def save_triplets(trainer, dataset, path, n=10, seed=12345):
    """``n`` held-out pairs as three labelled rows: input x, output G(x), target y."""
    inputs, targets, _ = dataset.held_out(n)
    rows = np.concatenate([inputs, translate(trainer, inputs, seed), targets])
    return viz.save_image_grid(rows, path, nrow=n, labels=["input", "G(x)", "target"])


def picture_limits(dataset):
    """A fixed square over the data (2,500 points of seed 0, 30% margin): every frame of a
    run, resumed or not, shares it."""
    real, _ = dataset.sample(N_SAMPLES, np.random.default_rng(0))
    low, high = real.min(axis=0), real.max(axis=0)
    centre, half = (low + high) / 2, (high - low).max() / 2 * 1.3
    return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)


def point_discriminator(trainer, preset):
    """D as a function of a batch of single points, or None when D has no such value (a
    conditional D, or minibatch features: D scores a point only among its batch-mates)."""
    if trainer.num_classes is not None or preset.minibatch != "none":
        return None
    if preset.pack == 1:
        return trainer.D
    pack = preset.pack

    def packed_copies(x):  # D_m(x, ..., x)
        n, d = x.shape
        return trainer.D(reshape(broadcast_to(reshape(x, (n, 1, d)), (n, pack, d)), (n * pack, d)))
    return packed_copies


def critic_values(trainer, D, points):
    """D's output (M,) at ``points`` (M, 2), in eval mode and without a graph."""
    with in_mode(trainer.D, training=False), no_grad():
        return D(Tensor(points.astype(trainer.dtype))).data.reshape(-1).astype(np.float64)


def generator_field(trainer, D, game, points):
    """-dc/dx at each of ``points`` (M, 2), c the per-sample generator cost of ``game``:
    -M dL_G/dx_i for L_G = game.generator_loss on the batch of M points (module docstring)."""
    with in_mode(trainer.D, training=False):
        x = Tensor(points.astype(trainer.dtype), requires_grad=True)
        dx, = grad(game.generator_loss(D, x, rng=np.random.default_rng(0)), [x])
    return -len(points) * dx.data.astype(np.float64)


def describe_coverage(coverage, std, out):
    """The coverage numbers with what they mean, as lines of text (printed and drawn)."""
    k = coverage.num_modes
    return "\n".join([
        f"mode coverage of {N_SAMPLES:,} samples (npgan eval --ckpt {out} gives the same; --seeds 3 for more):",
        f"  modes covered  {coverage.modes_covered} / {k}    modes with at least one sample within 3 std "
        f"({3 * std:.3g}) of their centre",
        f"  high quality   {coverage.high_quality:6.1%}   share of samples within 3 std of the nearest mode "
        f"(the rest lie between modes)",
        f"  reverse KL     {coverage.reverse_kl:6.3f}   KL(share of those samples per mode || uniform): "
        f"0 = every mode alike, log {k} = {np.log(k):.2f} = one mode"])


class FrameRecorder:
    """The animation's frames, recorded at the sample steps (``every``) and kept in ``path``.
    Past ``MAX_FRAMES`` every other frame is dropped and only every ``2 * stride``-th sample
    step is recorded from then on. On resume the frames up to ``resume_step`` are reloaded."""

    def __init__(self, path, every, resume_step=None):
        self.path, self.every, self.stride, self.frames = path, every, 1, []
        if resume_step is not None and os.path.isfile(path):
            try:
                state = load_checkpoint(path, finite=False)
                self.stride = int(state["stride"])
                self.frames = [viz.TrainingFrame(**f) for f in state["frames"] if f["step"] <= resume_step]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}: not the frames of this run's animation ({exc}); "
                                 f"remove it to start the animation afresh") from None

    def wants(self, step, last):
        return last or step % (self.every * self.stride) == 0

    def add(self, frame):
        self.frames = [f for f in self.frames if f.step != frame.step] + [frame]
        if len(self.frames) > MAX_FRAMES:
            self.frames, self.stride = self.frames[::2], 2 * self.stride
        save_checkpoint(self.path, {"kind": FRAMES_KIND, "stride": self.stride, "frames": [
            {"step": f.step, "samples": f.samples, "values": f.values, "arrow_points": f.arrow_points,
             "arrows": f.arrows} for f in self.frames]})
