"""The annual refresh: fetch → validate → processed tables → indices, Kolada, plan, typology → charts → report.

The pipeline is the only package that knows the stages: ``refresh`` holds :data:`~.refresh.STAGES` (the
ordered list, in one place) and :func:`~.refresh.run_refresh`; ``context`` the typed
:class:`~.context.RunContext` the stages share and the run's :class:`~.context.RefreshOptions`; ``stages``
each stage as a thin adapter over a domain function of a lower package (which never imports the pipeline).
``staging`` makes a run all-or-nothing, ``manifest`` records what went in, ``changes`` compares a run with
the previous one, ``lock`` keeps to one run at a time.
"""
