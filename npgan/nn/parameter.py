"""``Parameter``: a Tensor that a ``Module`` registers as trainable when it is assigned
as an attribute, as ``torch.nn.Parameter``."""
import numpy as np

from ..autograd.dtypes import check_requires_grad, get_default_dtype
from ..autograd.conversion import as_array
from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` by default. Made from a Tensor it shares
    that Tensor's array (as PyTorch); made from an array or a list it converts it."""
    __slots__ = ()  # Tensor uses __slots__; an empty one keeps Parameter free of a __dict__

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.empty(0, dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            array = data.data
        else:
            array = as_array(data)
        if requires_grad:
            check_requires_grad(array.dtype, "Parameter")
        super().__init__(array, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
