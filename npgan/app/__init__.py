"""The application: what a user runs. Presets (named GAN setups), run directories
(config, metrics, pictures, checkpoints), and the ``npgan`` command (``train``,
``sample``, ``eval``). It sits on top of every library layer and nothing imports it."""
