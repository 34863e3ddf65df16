"""The annual refresh: fetch → validate → processed tables → indices, Kolada, plan, typology → charts → report.

The pipeline is the only package that knows the stages: ``refresh`` holds :data:`~.refresh.STAGES` (the
ordered list, in one place; :func:`~.refresh.stages_for` adds the optional ``peers`` stage) and
:func:`~.refresh.run_refresh`; ``national`` the national run's :data:`~.national.NATIONAL_STAGES` and
:func:`~.national.run_national` (``refresh --national``); ``context`` the typed contexts the stages share and
the runs' options; ``stages`` each stage as a thin adapter over a domain function of a lower package (which
never imports the pipeline). ``runner`` makes every run all-or-nothing and one at a time (``staging``,
``lock``), ``manifest`` records what went in, ``changes`` compares a run with the previous one, ``workbook`` is
the national run's xlsx.
"""
