"""The twin: software Huawei VRP8 routers that speak SSH, over a simulated network.

Device side: ``cli`` (views, grammar, errors, commit machinery), ``config``
(typed configuration model and its canonical rendering), ``ssh`` and ``lab``
(servers, in-process lab). Network side: ``network`` (control plane computed
from all running configurations and the cables; protocol displays).
The product talks to the twin only over SSH.
"""
