"""Run the CLI as ``python -m finder``."""

from finder.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
