"""cffi build script: compiles every ``csrc/*.c`` into the extension ``npgan._C``.

Each kernel family has a header ``csrc/<family>.h`` of plain C prototypes (no
preprocessor lines), which is both ``#include``d by the extension and fed to
``ffi.cdef``, so a new family only adds a ``.c``/``.h`` pair here.
OpenMP is used when the compiler supports it (the conv kernels use both cores).

``-fno-math-errno -fno-trapping-math`` let gcc vectorize the elementwise loops: without
them it must keep every comparison and ``sqrt`` scalar, in case it sets ``errno`` or raises
a floating-point trap, which no kernel here reads. Unlike ``-ffast-math`` they change no
result: IEEE rounding, NaN and infinity handling stay as they are (the kernels are tested
bit for bit and to 1 ulp against their NumPy references).

``NPGAN_CFLAGS_EXTRA`` (optional, shell-quoted) is appended to both the compile and the
link flags; ``.ci/sanitize`` uses it to build a copy of the tree with AddressSanitizer and
UndefinedBehaviorSanitizer.
"""
import glob
import os
import shlex

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
HEADERS = sorted(glob.glob(os.path.join(HERE, "*.h")))
SOURCES = sorted(glob.glob(os.path.join(HERE, "*.c")))

EXTRA_FLAGS = shlex.split(os.environ.get("NPGAN_CFLAGS_EXTRA", ""))

ffibuilder = FFI()
for header in HEADERS:
    with open(header) as f:
        ffibuilder.cdef(f.read())

ffibuilder.set_source(
    "npgan._C",
    "\n".join(f'#include "{os.path.basename(h)}"' for h in HEADERS),
    sources=[os.path.join("csrc", os.path.basename(s)) for s in SOURCES],  # relative to setup.py
    include_dirs=[HERE],
    extra_compile_args=(["-O3", "-std=c99", "-fopenmp", "-fno-math-errno", "-fno-trapping-math"]
                        if os.name != "nt" else ["/O2"]) + EXTRA_FLAGS,
    extra_link_args=(["-fopenmp"] if os.name != "nt" else []) + EXTRA_FLAGS,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
