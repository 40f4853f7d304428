"""Collection rules for the README's test command (tests/ and the package's docstring examples)."""
import importlib.util

#: Modules whose docstring examples need an extra that CI cannot install (flappy-bird-gymnasium requires pygame,
#: which would overwrite the render extra's pygame-ce): their examples run where the extra is installed.
collect_ignore = [path for path, package in (("topoevo/tasks/flappy.py", "flappy_bird_gymnasium"),)
                  if importlib.util.find_spec(package) is None]
