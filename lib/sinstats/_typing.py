"""Type aliases shared by every layer.

Kept in one place so that a signature means the same thing everywhere: ``DataDir`` is what every
``data_dir=`` argument accepts (``None`` means ``<project>/data`` or ``$SINSTATS_DATA_DIR``, see
:mod:`sinstats.paths`), ``FloatArray`` the float arrays of the statistics layer.
"""

from __future__ import annotations

import os
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

PathLike: TypeAlias = str | os.PathLike[str]
"""A file or folder path, as text or a path object."""

DataDir: TypeAlias = str | os.PathLike[str] | None
"""A data folder argument: a path, or None for the project's data folder."""

FloatArray: TypeAlias = npt.NDArray[np.float64]
"""A NumPy array of float64."""

FloatOrArray: TypeAlias = float | FloatArray
"""A float for scalar input, an array for array input."""
