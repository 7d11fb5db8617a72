"""Equations, exercises and figures numbered per chapter: (4.3), Exercise 4.2.

The book's chapters carry their number in their title ("4. Long short-term
memory"), and the table of contents is not a numbered toctree, so Sphinx counts
equations, exercises and figures across the whole book ("Exercise 17",
equation (34) in chapter 4). After Sphinx has assigned its numbers, this
renumbers every numbered thing of a chapter ``book/NN_name`` as ``(NN, k)``,
k counting from 1 within the chapter in Sphinx's order; pages without a chapter
number (the intro, the primer, the guides) count from 1 on their own. References
({eq}, {numref}, {ref} to an exercise) use the same numbers, and
``tests/test_built_book.py`` checks the result in the built pages.
"""
import re

CHAPTER = re.compile(r"(?:^|/)(\d{2})_[^/]*$")


def chapter_of(docname):
    """The chapter number of a page (``book/04_lstm`` -> 4), or None."""
    match = CHAPTER.search(docname)
    return int(match.group(1)) if match else None


def renumber(app, env):
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        chapter = chapter_of(docname)
        for figtype, numbers in by_type.items():
            order = sorted(numbers, key=lambda ident: numbers[ident])
            for k, ident in enumerate(order, start=1):
                new = (chapter, k) if chapter is not None else (k,)
                if numbers[ident] != new:
                    numbers[ident] = new
                    changed.append(docname)
    return sorted(set(changed))


def setup(app):
    app.connect("env-get-updated", renumber, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
