"""Shared test set-up: a derandomised hypothesis profile for CI, no example database."""

import os
import sys

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# tests/ is a package (tests/__init__.py), so pytest puts the repository root on sys.path,
# not tests/; the helpers imported as top-level modules (rnn_helpers) need tests/ too.
sys.path.insert(0, os.path.dirname(__file__))
