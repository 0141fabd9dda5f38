"""Coding questions of the homework notebooks: the engine (:mod:`.engine`: cases as data, run
and compared on the trusted side), the question type (:mod:`.question`), one folder per
question in :mod:`.questions`, found by :mod:`.registry`."""
