"""Serving a model over the OpenAI chat-completions API (`workbench serve`)."""

from workbench.serve.server import BackgroundServer, build_app, serve

__all__ = ["BackgroundServer", "build_app", "serve"]
