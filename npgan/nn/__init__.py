"""Neural-network building blocks (layers arrive with the nn issue); ``functional`` is here."""
from . import functional  # noqa: F401
