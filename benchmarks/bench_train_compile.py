"""Per-step time of ``npgan train``'s trainer, captured (the default) against eager
(``--no-compile``), on one preset (default: ``npgan train``'s own, WGAN-GP on ring8).

    python benchmarks/bench_train_compile.py [--model NAME] [--rounds 10] [--steps 20]

Both trainers are built from the preset as ``npgan train`` builds them, in this one
process, and timed in alternating blocks of ``--steps`` generator steps (the order
shuffled each round, so a machine getting busier slows both alike) after 5 untimed steps
(the two traces and Numba's compilation). Prints the median and min ms per generator
step of each, their ratio and the load average; whether the captured trainer replays or
fell back to eager (and why) is said too. Set the thread variables yourself (e.g.
OPENBLAS_NUM_THREADS=1) before running. A benchmark: nothing is asserted.
"""
import argparse
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # this checkout's npgan

from npgan.app.presets import PRESETS, TrainConfig  # noqa: E402
from npgan.app.run import make_trainer  # noqa: E402

WARMUP = 5


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=TrainConfig.model, choices=sorted(PRESETS))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=20, help="generator steps per timed block")
    args = parser.parse_args(argv)
    trainers = {}
    for compile in (True, False):
        trainer, _ = make_trainer(TrainConfig(model=args.model, compile=compile).resolved())
        for _ in range(WARMUP):
            trainer.step()
        trainers["compiled" if compile else "eager"] = trainer
    load_before = os.getloadavg()
    times = {name: [] for name in trainers}
    for _ in range(args.rounds):
        order = list(trainers)
        random.shuffle(order)
        for name in order:
            t0 = time.perf_counter()
            for _ in range(args.steps):
                trainers[name].step()
            times[name].append((time.perf_counter() - t0) * 1e3 / args.steps)
    compiled = trainers["compiled"]._run_update
    state = "replays its captured step" if compiled.replays() else f"runs eagerly: {compiled.refused}"
    print(f"npgan train --model {args.model}: the compiled trainer {state}")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (1 min)")
    for name, ms in times.items():
        print(f"{name:9s} median {statistics.median(ms):8.2f} ms/step   min {min(ms):8.2f}")
    ratio = statistics.median(times["compiled"]) / statistics.median(times["eager"])
    print(f"compiled / eager (median): {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
