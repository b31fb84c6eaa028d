"""The autograd graph behind a tensor, as Graphviz DOT text: a reading aid for learners.

    y = (x * w).sum()
    print(to_dot(y))          # paste into https://dreampuf.github.io/GraphvizOnline

Tensors are ellipses (orange: leaves that require grad, i.e. what ``backward`` fills
``.grad`` of; grey: constants; white: intermediate results; bold: the tensor asked
about) and ops are blue boxes named by their ``Function`` class. Edges run the way the
forward pass ran: inputs -> op -> output. After a ``backward()`` without
``retain_graph=True`` an op has dropped its inputs, so the walk stops there and a note
says so.

The walk is iterative, each op and tensor visited once (by ``id``), so a 10,000-op
chain needs no recursion.
"""
import os
import shutil
import subprocess

from ..autograd.tensor import Tensor
from ..atomic import atomic_write

_RENDERED_FORMATS = {".png", ".svg", ".pdf"}
_FREED_NOTE = "inputs freed by backward();\\nuse backward(retain_graph=True)\\nto keep the graph"


def to_dot(tensor, show_shapes=True):
    """DOT text of the graph of ops that produced ``tensor`` (shapes and dtypes on the
    tensor nodes when ``show_shapes``)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected an npgan Tensor, got {type(tensor).__name__}")
    lines = ["digraph autograd {", '  node [fontname="Helvetica", fontsize=10];',
             _tensor_node(tensor, show_shapes, is_root=True)]
    seen_tensors, seen_functions = {id(tensor)}, set()
    stack = [tensor]  # tensors whose creator (if any) still has to be drawn
    while stack:
        t = stack.pop()
        f = t.creator
        if f is None:
            continue
        lines.append(f"  f{id(f)} -> t{id(t)};")
        if id(f) in seen_functions:
            continue
        seen_functions.add(id(f))
        lines.append(f'  f{id(f)} [label="{type(f).__name__}", shape=box, style=filled, fillcolor=lightblue];')
        if f.inputs is None:
            lines.append(f'  note{id(f)} [label="{_FREED_NOTE}", shape=note, fontsize=9];')
            lines.append(f"  note{id(f)} -> f{id(f)} [style=dashed, arrowhead=none];")
            continue
        for x in f.inputs:
            lines.append(f"  t{id(x)} -> f{id(f)};")
            if id(x) not in seen_tensors:
                seen_tensors.add(id(x))
                lines.append(_tensor_node(x, show_shapes, is_root=False))
                stack.append(x)
    lines.append("}")
    return "\n".join(lines) + "\n"


def save_dot(tensor, path, show_shapes=True):
    """Write ``to_dot(tensor)`` to ``path`` and return the path.

    A ``.png``, ``.svg`` or ``.pdf`` path is rendered with Graphviz's ``dot`` program,
    which must then be on PATH; any other path gets the DOT text itself.
    """
    text = to_dot(tensor, show_shapes)
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix in _RENDERED_FORMATS:
        content = _render(text, suffix[1:], path)
    else:
        content = text.encode("utf-8")
    with atomic_write(path) as f:
        f.write(content)
    return os.fspath(path)


def _tensor_node(t, show_shapes, is_root):
    """The DOT line of one tensor node: its kind by colour, its shape and dtype as label."""
    if t.creator is not None:
        fill = "white"
    elif t.requires_grad:
        fill = "orange"
    else:
        fill = "lightgrey"
    label = f"{t.shape}\\n{t.dtype}" if show_shapes else ""
    pen = ", penwidth=2.5" if is_root else ""
    return f'  t{id(t)} [label="{label}", shape=ellipse, style=filled, fillcolor={fill}{pen}];'


def _render(text, fmt, path):
    """The bytes of ``text`` rendered by Graphviz ``dot -T<fmt>``; a clear error without it."""
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(f"save_dot: rendering {os.fspath(path)!r} needs Graphviz's 'dot' program on PATH, "
                           "which was not found; install Graphviz or save to a .dot file")
    result = subprocess.run([dot, f"-T{fmt}"], input=text.encode("utf-8"), capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"save_dot: 'dot -T{fmt}' failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout
