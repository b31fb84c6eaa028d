"""Reverse-mode autodiff: Tensor, Function, the backward engine and gradient checks."""
