"""The hook a captured step (``npgan.compile``) listens on: ``recorder`` is None in plain
eager code; while a step is traced it is the compile package's recorder, and the few
places that make arrays (``Function.__call__``, the engine's raw adds and seed, random
draws) tell it what they did, in one line each."""
recorder = None
