"""course: randomized deep-learning exercises, exam sheets and a secure notebook autograder.

Sub-packages (each a top-level folder of the repository, see DESIGN.md):

- ``course.reference``: the NumPy reference implementation (+ a PyTorch path);
- ``course.generator``: seeded problem families producing :class:`Variant` objects;
- ``course.grader``: sandboxed grading of submitted notebooks;
- ``course.templates``: jinja2 templates (statements, exam sheets, notebooks, LMS exports).
"""

__version__ = "0.1.0"
