"""Change files: plan, approve, run inside a window (``vrpbook change``)."""
