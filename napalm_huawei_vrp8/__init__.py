"""NAPALM driver for Huawei VRP8, built on vrpbook: ``napalm.get_network_driver("huawei_vrp8")``.

NAPALM finds community drivers by module name (``napalm_<name>``) and returns
the first ``NetworkDriver`` subclass the module exposes, so this package
exposes exactly one class.

Module map:

- ``driver``     -- the ``NetworkDriver`` subclass: NAPALM's API, each method a delegation
- ``session``    -- login through vrpbook's ``vrp8`` connection; NAPALM's connection errors
- ``loader``     -- a configuration text typed into the candidate by indentation; per-line errors
- ``commits``    -- VRP8's two-stage commit as NAPALM's commit/confirm/rollback, verified
- ``replace``    -- load_replace_candidate as vrpbook's replace within the managed scope
- ``reads``      -- displays run in any view and read by ``vrpbook.parsers`` (fail closed)
- ``facts``, ``interfaces``, ``bgp``, ``routes``, ``instances`` -- parsed displays to NAPALM's structures
- ``settings``   -- what the getters read from the parsed running configuration
- ``values``     -- VRP's printed uptimes, AS numbers, speeds as NAPALM's numbers
- ``conformance`` -- NAPALM's documented structures, checked recursively (tests, benchmark)

See ``napalm_huawei_vrp8/README.md``.
"""

from napalm_huawei_vrp8.driver import HuaweiVRP8Driver

__all__ = ["HuaweiVRP8Driver"]
