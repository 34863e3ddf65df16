"""The annual refresh: fetch → validate → processed tables → indices, typology, plan → charts → notebooks.

``staging`` makes a run all-or-nothing, ``manifest`` records what went in, ``changes`` compares a run with
the previous one.
"""
