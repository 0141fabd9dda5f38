"""The NumPy reference implementation of everything the course computes.

Layers follow cs231n's style: ``*_forward`` returns ``(out, cache)`` and
``*_backward(dout, cache)`` returns the gradients. Conventions are in
:mod:`course.reference.conventions`. ``import course.reference`` never imports torch;
the PyTorch path is :mod:`course.reference.torch_path`.
"""
