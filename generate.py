#!/usr/bin/env python3
"""Entry point: ``python generate.py build`` (same as the ``handouts`` command).

It works on the current folder when that holds templates/ and locales/, else on
this file's folder, so it runs from anywhere in the checkout.
"""

from pathlib import Path

from handouts.cli import main

if __name__ == "__main__":
    main("generate.py", home=Path(__file__).resolve().parent)
