"""Run the command line: ``python -m ghdigest``."""

from ghdigest.cli import main

if __name__ == "__main__":
    main()
