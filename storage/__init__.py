"""The archive: one SQLite file holding every article once, the crawl frontier and crawl history."""

from storage.db import Archive, ArticleRow, FeedState, StoredText, StoreResult, VerdictRow

__all__ = [
    "Archive",
    "ArticleRow",
    "FeedState",
    "StoreResult",
    "StoredText",
    "VerdictRow",
]
