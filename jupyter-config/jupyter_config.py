"""The project's Jupyter settings, for the servers `make lab` and `make notebook` start.

The Makefile passes this file with ``--config``; it adds to the learner's own
Jupyter configuration and writes nothing into their home. It points JupyterLab
and Notebook 7 at ``settings/``, whose ``overrides.json`` changes the defaults
of a few settings (a learner's own choice in Settings still wins):

* no "Would you like to get notified about official Jupyter news?" pop-up and
  no update check (``@jupyterlab/apputils-extension:notification``);
* in Notebook 7, ArrowLeft/ArrowRight on a focused slider move the slider:
  its "move cursor to the heading above/below" shortcuts, which took those keys
  first, are rebound to skip the widgets of an output
  (``@jupyterlab/shortcuts-extension:shortcuts``).
"""
from pathlib import Path

c = get_config()  # noqa: F821 (provided by the config loader)
c.LabServerApp.app_settings_dir = str(Path(__file__).resolve().parent / "settings")
