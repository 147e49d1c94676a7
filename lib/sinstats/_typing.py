"""Type aliases shared by every layer.

Kept in one place so that a signature means the same thing everywhere: ``DataDir`` is what every
``data_dir=`` argument accepts (``None`` means ``<project>/data`` or ``$SINSTATS_DATA_DIR``, see
:mod:`sinstats.paths`), ``FloatArray`` the float arrays of the statistics layer.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, TypeAlias

PathLike: TypeAlias = str | os.PathLike[str]
"""A file or folder path, as text or a path object."""

DataDir: TypeAlias = str | os.PathLike[str] | None
"""A data folder argument: a path, or None for the project's data folder."""

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray: TypeAlias = npt.NDArray[np.float64]
    """A NumPy array of float64."""

    FloatOrArray: TypeAlias = float | FloatArray
    """A float for scalar input, an array for array input."""
else:

    def __getattr__(name: str) -> Any:
        """Make the NumPy aliases on first use, so that a path argument's type costs no NumPy."""
        if name not in ("FloatArray", "FloatOrArray"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import numpy as np
        import numpy.typing as npt

        float_array = npt.NDArray[np.float64]
        globals().update(FloatArray=float_array, FloatOrArray=float | float_array)
        return globals()[name]
