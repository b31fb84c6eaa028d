"""Checks of single values for the application layer, raising ``ConfigError``: a
``ValueError`` that knows the name of the setting, so the command line can name the flag
(``--gp-lambda``) where the library names the field (``gp_lambda``)."""
import math
import numbers


class ConfigError(ValueError):
    """A bad setting: ``field`` (a TrainConfig field or a command-line option) and ``reason``."""

    def __init__(self, field, reason):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def check_int(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(name, f"must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ConfigError(name, f"must be an integer in [{low}, {high}], got {value}" if high is not None
                          else f"must be an integer >= {low}, got {value}")
    return int(value)


def check_float(name, value, low, high, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ConfigError(name, f"must be a finite number, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ConfigError(name, f"must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ConfigError(name, f"must be {'<' if high_open else '<='} {high}, got {value}")
    return float(value)


def check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(name, f"must be one of {', '.join(choices)}; got {value!r}")
    return value


def check_tuple(name, value, check_item, min_len, max_len):
    if not isinstance(value, (tuple, list)) or not min_len <= len(value) <= max_len:
        size = f"{min_len}" if min_len == max_len else f"{min_len} to {max_len}"
        raise ConfigError(name, f"must be {size} values, got {value!r}")
    for item in value:
        check_item(name, item)
    return tuple(value)
