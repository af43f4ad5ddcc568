"""tests/gradcheck: reuse the complex-step helper of the LSTM tests (one implementation)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "lstm"))
