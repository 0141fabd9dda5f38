"""The built-in coding questions, one folder each (see :mod:`course.generator.coding.question`)."""
