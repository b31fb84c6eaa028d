"""The trainer's losses, step by step, equal those recorded from the trainer as it stood at
commit d30f018 (before the joint pass became a wrapper chosen by the preset): float64 runs
of several presets, equal to 1e-10 relative (a changed trajectory differs by 1e-4 or more).

REFERENCE was printed by this file run as a script against a checkout of d30f018:

    mkdir /tmp/npgan_d30f018 && git archive d30f018 | tar -x -C /tmp/npgan_d30f018
    cd /tmp/npgan_d30f018 && python setup.py -q build_ext --inplace
    PYTHONPATH=/tmp/npgan_d30f018 python /path/to/tests/gan/test_trainer_reference.py

(x86-64, OpenBLAS with one thread, the "auto" kernel backend with the C extension built).
The values are float.hex strings; with one BLAS thread they are reproduced bit for bit
(`OPENBLAS_NUM_THREADS=1 pytest tests/gan/test_trainer_reference.py`), while with two
OpenBLAS splits the DCGAN convolutions' GEMMs differently and the last bits move (measured
with two threads: at most 5e-12 relative, on WGAN-GP's g_loss, a mean of critic scores of
both signs), hence the tolerance.
"""
import math
import pprint

import pytest

from npgan.app.presets import TrainConfig
from npgan.app.run import make_trainer

STEPS = 3
TINY = dict(hidden=(16, 16), batch_size=8, dtype="float64", steps=STEPS)
CASES = {
    "nsgan": dict(model="nsgan", **TINY),                              # one pass of D, lr decay
    "nsgan-simultaneous": dict(model="nsgan", update="simultaneous", **TINY),
    "wgan": dict(model="wgan", **TINY),                                # clipping, RMSprop, n_critic 5
    "wgan-gp": dict(model="wgan-gp", **TINY),                          # the penalty's eps from the trainer's rng
    "pacgan": dict(model="pacgan", **{**TINY, "batch_size": 16}),      # packed D, joint batch of groups
    "cgan": dict(model="cgan", **TINY),                                # labels bound, twice in one pass
    "dcgan": dict(model="dcgan", dtype="float64", batch_size=2, steps=STEPS),          # Dropout: two passes
    "dcgan-wgan-gp": dict(model="dcgan-wgan-gp", dtype="float64", batch_size=2, steps=STEPS),  # conv, one pass
}


def losses(case):
    """The metrics of ``STEPS`` steps of ``case``, each value as ``float.hex``."""
    trainer, _ = make_trainer(TrainConfig(**CASES[case]).resolved())
    return [{k: float(v).hex() for k, v in trainer.step().items()} for _ in range(STEPS)]


REFERENCE = {'nsgan': [{'d_loss': '0x1.65aa842732972p-1', 'g_loss': '0x1.83fbb9dc60559p-2'},
                       {'d_loss': '0x1.67215d4b4fb23p-1', 'g_loss': '0x1.8564a3a1eb0a8p-2'},
                       {'d_loss': '0x1.628efb5854b54p-1', 'g_loss': '0x1.861a39340e2bep-2'}],
             'nsgan-simultaneous': [{'d_loss': '0x1.65aa842732972p-1', 'g_loss': '0x1.84191c8cf5306p-2'},
                                    {'d_loss': '0x1.67215d4b4e1dep-1', 'g_loss': '0x1.85781811c154bp-2'},
                                    {'d_loss': '0x1.628efb5b93e3cp-1', 'g_loss': '0x1.86221fa8d1c53p-2'}],
             'wgan': [{'d_loss': '0x1.108cdd470d000p-19',
                       'wasserstein': '-0x1.108cdd470d000p-19',
                       'g_loss': '0x1.3a96417b07c7fp-7'},
                      {'d_loss': '0x1.8f9d21e560000p-23',
                       'wasserstein': '-0x1.8f9d21e560000p-23',
                       'g_loss': '0x1.3a95880a33461p-7'},
                      {'d_loss': '0x1.aa3008e39c000p-21',
                       'wasserstein': '-0x1.aa3008e39c000p-21',
                       'g_loss': '0x1.3a9719e3bfe36p-7'}],
             'wgan-gp': [{'d_loss': '0x1.41d946670f69dp-4',
                          'wasserstein': '-0x1.9734e01a2c000p-15',
                          'gp': '0x1.41a65fcb0c245p-4',
                          'g_loss': '0x1.0ade387cf4b42p-3'},
                         {'d_loss': '0x1.e5573b639d388p-4',
                          'wasserstein': '-0x1.4d2530b101de0p-5',
                          'gp': '0x1.3ec4a30b1c498p-4',
                          'g_loss': '0x1.0f774cb98b661p-3'},
                         {'d_loss': '0x1.9e4bf0b35c1d6p-4',
                          'wasserstein': '-0x1.5b933eee66a70p-6',
                          'gp': '0x1.476720f7c273ap-4',
                          'g_loss': '0x1.0e21544cba70cp-3'}],
             'pacgan': [{'d_loss': '0x1.6624658f2977ep-1', 'g_loss': '0x1.550a29879e460p-2'},
                        {'d_loss': '0x1.66b2842015636p-1', 'g_loss': '0x1.561105199d3dcp-2'},
                        {'d_loss': '0x1.6653d6b845b3cp-1', 'g_loss': '0x1.55ae466a910ffp-2'}],
             'cgan': [{'d_loss': '0x1.735ec0adfbf08p-1', 'g_loss': '0x1.585178add9cf8p-2'},
                      {'d_loss': '0x1.6d240c164cb2ep-1', 'g_loss': '0x1.5abeb43cfad5ap-2'},
                      {'d_loss': '0x1.658acd82282f6p-1', 'g_loss': '0x1.5c3e7ee7ff906p-2'}],
             'dcgan': [{'d_loss': '0x1.621fb5a9c5719p-1', 'g_loss': '0x1.57d88b45cf34ep-2'},
                       {'d_loss': '0x1.672d14cb0569ap-1', 'g_loss': '0x1.583a76cb82d99p-2'},
                       {'d_loss': '0x1.51ee5fecda2a0p-1', 'g_loss': '0x1.4713b06d6779ap-2'}],
             'dcgan-wgan-gp': [{'d_loss': '0x1.e66749db748a9p+2',
                                'wasserstein': '0x1.51c83f51fc556p-2',
                                'gp': '0x1.fb83cdd0944fep+2',
                                'g_loss': '0x1.22efbd5a5f670p-4'},
                               {'d_loss': '0x1.94a9385818571p+2',
                                'wasserstein': '0x1.ebc7c595c02f2p-1',
                                'gp': '0x1.d222310ad05cfp+2',
                                'g_loss': '0x1.f01120f1f1200p-11'},
                               {'d_loss': '0x1.22b9d11533364p+2',
                                'wasserstein': '0x1.bd1f04deba509p+0',
                                'gp': '0x1.9201924ce1ca6p+2',
                                'g_loss': '0x1.b5457a9dc6100p-9'}]}


@pytest.mark.parametrize("case", list(CASES))
def test_losses_equal_the_recorded_trainer(case):
    got, want = losses(case), REFERENCE[case]
    assert [sorted(step) for step in got] == [sorted(step) for step in want]
    for step, (g, w) in enumerate(zip(got, want)):
        for name in w:
            a, b = float.fromhex(g[name]), float.fromhex(w[name])
            assert math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-300), (step, name, g[name], w[name])


if __name__ == "__main__":
    pprint.pprint({case: losses(case) for case in CASES}, width=120, sort_dicts=False)
