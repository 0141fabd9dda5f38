"""The documents layer: exam sheets and keys (LaTeX, Markdown, PDF), LMS question banks and the
homework notebooks handed out to students. The grader never imports it."""
