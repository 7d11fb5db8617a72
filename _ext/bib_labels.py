"""Bibliography labels that match the citations in the text.

The text cites author-year (``bibtex_reference_style: author_year`` gives
"[Cho et al., 2014]"), but the list under {bibliography} is labelled by the
pybtex style, whose default ``alpha`` labels read "[CvMerrienboerG+14]". This
registers a pybtex style, ``authoryear``, whose labels are the same
"Cho et al., 2014" (one author: "Elman, 1990"; two: "Pascanu and Bengio, ...";
three or more: first author "et al."), and makes it the default
(``bibtex_default_style: authoryear`` in _config.yml). Entries without
authors use their title. Two entries with the same label get "a", "b" after
the year. ``tests/test_built_book.py`` checks text and list agree.
"""
from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person):
    return " ".join(person.prelast_names + person.last_names)


def author_year(entry):
    """The label of one entry: ``"Cho et al., 2014"``."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    if not people:
        who = entry.fields.get("title", entry.key).replace("{", "").replace("}", "")
    elif len(people) == 1:
        who = _surname(people[0])
    elif len(people) == 2:
        who = f"{_surname(people[0])} and {_surname(people[1])}"
    else:
        who = f"{_surname(people[0])} et al."
    year = entry.fields.get("year", "n.d.")
    return f"{who}, {year}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = [author_year(entry) for entry in sorted_entries]
        counts = {label: labels.count(label) for label in labels}
        seen = {}
        for label in labels:
            if counts[label] > 1:
                seen[label] = seen.get(label, 0) + 1
                yield f"{label}{'abcdefghij'[seen[label] - 1]}"
            else:
                yield label


class AuthorYearStyle(UnsrtStyle):
    default_label_style = "authoryear"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
