"""``write_report`` passes its options on to ``load_report_inputs``: the declared options must be that signature."""

from __future__ import annotations

import inspect
from typing import Required, get_origin, get_type_hints

from segindicators.report.load import ReportOptions, load_report_inputs


def test_report_options_are_the_keyword_parameters_of_load_report_inputs():
    params = inspect.signature(load_report_inputs).parameters
    keyword = [name for name, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    hints = get_type_hints(ReportOptions, include_extras=True)
    assert list(hints) == keyword
    required = [name for name in keyword if params[name].default is inspect.Parameter.empty]
    assert (
        [name for name, hint in hints.items() if get_origin(hint) is Required]
        == required
        == ["kommun", "year"]
    )
