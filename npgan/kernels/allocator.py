"""``reuse_large_allocations()``: keep freed large arrays in the process heap, so the next
array of that size is reused instead of being mapped fresh from the OS and faulted in page
by page. An explicit call (the ``npgan`` command makes it; a library user may): importing
npgan never changes malloc.

glibc's ``malloc`` serves a request above its *mmap threshold* with a new ``mmap``, whose
pages are zero-filled by the kernel on first touch (a minor page fault per 4 KiB), and
returns it to the OS on ``free``. The threshold adapts (it rises to the size of the
largest freed mapping), but a training step allocates and frees temporaries of many
large sizes: a DCGAN step on 64 images touches tens of megabytes of fresh pages every
step, a noticeable share of its time (measured in benchmarks/README.md, section "Reusing
large allocations"). Setting the threshold once to glibc's maximum
(32 MiB on 64-bit) and raising the trim threshold lets ``free`` keep those blocks for
reuse: page faults per step drop to ~0, and the resident set stays at its high-water mark
instead of going up and down every step (it does not grow: the same blocks are reused).

It is process-wide, glibc only, and a user's own setting wins: with
``NPGAN_MALLOC_TUNING=0``, or ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or a
``glibc.malloc`` tunable in ``GLIBC_TUNABLES`` set, it leaves malloc alone. It changes no
number anywhere (PyTorch does the equivalent with its own CPU caching allocator).
"""
import ctypes
import ctypes.util
import os
import sys

# mallopt parameters (glibc <malloc.h>)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024   # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
TRIM_THRESHOLD = 256 * 1024 * 1024  # free() gives the heap top back to the OS only above this

_tuned = None


def reuse_large_allocations():
    """Apply the glibc settings above (once per process); returns whether they are in effect."""
    global _tuned
    if _tuned is not None:
        return _tuned
    _tuned = False
    if (os.environ.get("NPGAN_MALLOC_TUNING", "1").strip() == "0" or not sys.platform.startswith("linux")
            or _user_tuned_malloc()):
        return _tuned
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): leave malloc alone
        return _tuned
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _tuned


def _user_tuned_malloc():
    """Whether the environment already sets glibc's mmap or trim threshold."""
    return any(os.environ.get(name) for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")) \
        or "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", "")
