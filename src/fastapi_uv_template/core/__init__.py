"""The platform every service shares: settings checks, logging, request ids, probes, readiness.

Owned by the template: `copier update` changes these files, so a service changes its own
(main.py, settings.py, dependencies.py, routes/) instead. main.py installs all of it with
`new_app`.
"""
