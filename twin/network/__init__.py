"""Network side of the twin: control plane and protocol displays."""
