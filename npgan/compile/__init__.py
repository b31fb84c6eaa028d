"""``npgan.compile(fn)``: a captured step, the idea behind tinygrad's TinyJit, CUDA graphs
and ``torch.compile``.

Eager npgan pays, at every call, for Python around the arithmetic: Tensor objects, the
graph, the engine's walk, the checks. A training step does the same ops in the same order
each time, only on new numbers. So run it once while a recorder listens (``trace``), keep
the flat list of what happened -- "call this forward on these arrays, put the result in
that slot" -- and from then on replay the list on the new inputs (``replay``).

Each array met while tracing is one of: an input of the step; made by a recorded op (a
``Function`` call, forward or backward, or the engine's raw add and seed); a random draw
(a *source*, ``npgan.random.draw(sample)``: ``sample()`` is called again at each replay,
so draws are fresh and the stream equals eager's; ``randn``, ``rand``, the trainer's noise,
labels and real batches and WGAN-GP's eps are such draws); or an array from outside (a
parameter, or a constant). To tell a
parameter (read live at replay) from a constant, and to catch data-dependent Python, the
step is traced on its first TWO calls (as TinyJit captures on the 2nd) and the two
programs compared: the same ops in the same order, an outside array either the same
object both times (live) or equal values (a constant); anything else is refused with the
first op that differs and, for a new outside array with other values, which input it is
and where its values came from when it can tell (``why.py``: a copy of an optimizer's
state, an lr a scheduler changed, else data outside any op); so is an op whose attributes (an index, batch statistics kept on
the Function) or output shapes differ between the traces. Masks, signs and conditions
built from the data are ops too (``npgan.ops.locally_constant``), so they are recomputed
at each replay. In-place writes (``copy_``, ``add_``, ...) are recorded and replayed.

What cannot be captured, and is refused at capture: turning data into a Python value
(``.item()``, ``float()``, ``bool()``, ``.tolist()``); data-dependent Python (an ``if`` on
``x.data``, an index or condition built from ``.data``, shapes that follow the data);
``backward(create_graph=True)``; an optimizer step with a closure.

The layers with state are captured because their state moves through ops: training-mode
BatchNorm returns its batch statistics as outputs and updates the running ones,
``num_batches_tracked`` and the cumulative average's 1 / t by ops and in-place ops;
dropout's seed is a random source and its mask a ``locally_constant`` op on it (fresh at
every replay); spectral norm's power iteration runs as ops and writes u and v with
``copy_``.

Python values an op keeps (a scalar factor, a hyper-parameter) are checked equal between
the two traces and then fixed: a value that changes only later would replay stale. An
optimizer step is replayed by calling ``optimizer.step()``, so the lr a scheduler sets is
read live.

Retrace: a change of the inputs' shapes, dtypes or requires_grad, or of grad mode. The
trainer (``GANTrainer(compile=True)``, what ``npgan train`` runs unless ``--no-compile``)
wraps its update in ``compile_or_eager`` (``fallback.py``), which also retraces when a
module's mode changes or a parameter's array is replaced (``load_state_dict``), and falls
back to eager with one line on stderr naming the op that capture refused, after putting
back the state the refused trace had changed, so a run never crashes or replays wrong.
"""
from .fallback import compile_or_eager
from .step import CaptureError, compile

__all__ = ["CaptureError", "compile", "compile_or_eager"]
