"""The planning layer: course.yml, exercises and roster (``config``), and the planned questions
of exams and assignments (which question, which seed key, which points) that documents and the
grader both use."""
