"""newsmon: watch Ukrainian news sites, archive every article, flag reports about captivity."""

__version__ = "0.1.0"
