"""Reverse-mode autodiff: Tensor, Function, the backward engine (with broadcasting's undo),
in-place writes and their version counter, and gradient checks."""
