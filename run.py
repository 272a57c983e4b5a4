"""Entry point: python run.py --budget 2000 (see --help)."""
from model.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
