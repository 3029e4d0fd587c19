"""minirelease: build, test, review and release mini programs to partner apps."""

__version__ = "0.1.0"
