"""Optimizers with PyTorch's names, hyper-parameters and update equations."""
from . import lr_scheduler
from .adam import Adam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["lr_scheduler", "Adam", "Optimizer", "RMSprop", "SGD"]
