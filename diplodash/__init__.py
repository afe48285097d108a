"""DiploDash: themes, speakers and similar statements in diplomatic discourse."""
__version__ = "0.1.0"

from .build import BuildError, build  # noqa: E402
from .index import Index, IndexUnavailable, load_index  # noqa: E402

__all__ = ["build", "load_index", "Index", "BuildError", "IndexUnavailable", "__version__"]
