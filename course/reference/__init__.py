"""The NumPy reference implementation of everything the course computes.

Layers follow cs231n's layers.py: ``*_forward`` returns ``(out, cache)`` with a NamedTuple
cache and ``*_backward(dout, cache)`` returns the gradients; the layout of each module and
the API are stated in :mod:`course.reference.conventions`. ``import course.reference`` never
imports torch; the PyTorch path is :mod:`course.reference.torch_path`.
"""
