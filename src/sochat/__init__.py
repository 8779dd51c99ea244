"""sochat: a self-hosted chat server that speaks SuperOffice CRM's chat WebAPI."""

from importlib.metadata import PackageNotFoundError, version

# One source of truth: the version in pyproject.toml, as installed.
try:
    __version__ = version("sochat")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
