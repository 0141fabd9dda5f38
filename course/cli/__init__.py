"""The application layer: the ``course`` command line (``main``), its grading console output,
the demo and the seeds' worked examples."""
