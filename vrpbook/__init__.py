"""vrpbook: runbooks for Huawei VRP8 routers over SSH, and the twin they are tested against.

The code folders of the repository install under this namespace:
``vrpbook.tasks`` (tasks/), ``vrpbook.parsers`` (parsers/),
``vrpbook.runbooks`` (runbooks/) and ``vrpbook.twin`` (twin/).
"""

__version__ = "0.1.0"
