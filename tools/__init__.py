"""CrackCam model factory: data, the paper's ABN, training, LRP-BN export.

Run the tools from the repository root with Debian's interpreter, e.g.
``/usr/bin/python3 -m tools.train --help``.
"""
