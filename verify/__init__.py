"""verify: exact, independently checked answers about threshold RNNs and LSTM gradients.

Pipeline: spec -> model -> reduce -> backend -> result -> checker -> report.
"""

__version__ = "0.1.0"
