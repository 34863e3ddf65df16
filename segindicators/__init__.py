"""segindicators: residential segregation indicators for Swedish municipalities.

The package follows one data flow, each step a sub-package:
``scb`` (fetch and parse SCB tables) → ``geography`` and ``catalogue`` (areas and indicator
definitions) → ``indices`` (segregation maths) → ``typology`` / ``plan`` → ``charts`` → the CLI
and notebooks.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("segindicators")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
