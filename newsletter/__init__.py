"""newsletter: Markdown issues in, upload-ready email, plain text, web pages and feeds out."""

__version__ = "0.1.0"
