"""sochat: a self-hosted chat server that speaks SuperOffice CRM's chat WebAPI."""

__version__ = "0.1.0"
