"""Install npgan and build its C kernels (csrc/) into ``npgan._C`` with cffi.

The C extension is optional: when no C compiler works, the install still succeeds,
and ``npgan`` warns once at import that the ``c`` backend is unavailable.
"""
import sys

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """Build the cffi extension if a compiler works; otherwise warn and go on."""

    def run(self):
        try:
            super().run()
        except Exception as exc:  # no compiler, missing headers, ...
            self._skip(exc)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._skip(exc)

    @staticmethod
    def _skip(exc):
        sys.stderr.write(
            f"npgan: WARNING: the C kernels were not built ({type(exc).__name__}: {exc}); "
            "the 'c' backend will be unavailable, numpy/numba backends still work.\n")


# npgan sweep runs on Dask; its tests belong to the suite, so the test extra installs Dask too
SWEEP = ["dask[distributed]>=2024.1"]

setup(
    name="npgan",
    version="0.1.0",
    description="A from-scratch NumPy deep-learning engine with C/Numba kernels for training GANs on a CPU",
    packages=find_packages(include=["npgan", "npgan.*"]),
    python_requires=">=3.10",
    # threadpoolctl: finds the OpenBLAS NumPy loaded, for the c GEMM (npgan/kernels/gemm_tiles.py)
    install_requires=["numpy>=1.24", "cffi>=1.15", "numba>=0.58", "matplotlib>=3.6", "tqdm>=4.60", "threadpoolctl>=3"],
    extras_require={
        "test": ["pytest>=7", "hypothesis>=6", *SWEEP],
        # GEMM libraries for the gemm kernel (npgan/kernels/gemm.py); without them NumPy's BLAS runs
        "fast": ["mkl>=2024", "blis>=1.0"],
        "sweep": [*SWEEP, "bokeh>=3.1"],  # bokeh: Dask's dashboard
        # peers for benchmarks/bench_steps.py and bench_conv.py (never runtime dependencies)
        "bench": ["threadpoolctl>=3", "torch==2.13.0", "dezero==0.0.13"],
    },
    setup_requires=["cffi>=1.15"],
    cffi_modules=["csrc/build_ffi.py:ffibuilder"],
    cmdclass={"build_ext": OptionalBuildExt},
    entry_points={"console_scripts": ["npgan=npgan.app.cli:main"]},
    include_package_data=True,
    package_data={"npgan": ["metrics/digit_classifier.npz"]},
)
