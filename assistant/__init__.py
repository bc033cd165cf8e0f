"""An assistant that answers questions about articles, citing the passages it used."""

from .api import Assistant
from .models import ArticleInfo, IngestReport
from .settings import Settings

__all__ = ["ArticleInfo", "Assistant", "IngestReport", "Settings"]
__version__ = "0.1.0"
