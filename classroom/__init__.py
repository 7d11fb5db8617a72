"""Teachers' tools for the book: not part of rnnlib, never imported by it.

Modules, one concern each:

* :mod:`classroom.contract`: how a chapter holds its exercises, and the validator;
* :mod:`classroom.student`: the student edition (solutions removed, setup cell, requirements);
* :mod:`classroom.nbgrader_export`: the book as an nbgrader course with autograded tests;
* :mod:`classroom.verify`: a student's function graded by a freshly imported checker;
* :mod:`classroom.grader`: a folder of submitted notebooks graded to ``grades.csv``;
* :mod:`classroom.cli`: the command line, ``python -m classroom ...``.

They need the ``classroom`` extra (``pip install -e .[classroom]``: nbformat,
nbclient, pyyaml, nbgrader); rnnlib itself needs numpy only.
"""
