"""``verify gradcheck``: property-test people's own backward code (cells, layouts, a child
process with a time limit, findings that name the array, entry, gate and time step).

See :mod:`verify.gradcheck.check` for the flow and :mod:`verify.testing` for the public
strategies and pytest plugin built on it.
"""
