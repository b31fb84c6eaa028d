"""Optimizers with PyTorch's names, hyper-parameters and update equations."""
from .adam import Adam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adam", "Optimizer", "RMSprop", "SGD"]
