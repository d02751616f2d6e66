#!/usr/bin/env python3
"""Entry point: ``python generate.py build`` (same as the ``handouts`` command)."""

from handouts.cli import main

if __name__ == "__main__":
    main()
