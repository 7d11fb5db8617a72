# The two commands a newcomer needs: `make book` and `make test`.
# Both create .venv from requirements.txt on first use (and again when it changes).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NB     ?= $(sort $(wildcard book/*.ipynb))
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# make lab / make notebook serve the learner's working copy LAB_DIR (ignored by git, made from
# book/ on first use, see jupyter-config/labcopy.py) with the project's Jupyter settings.
# LAB_OPTS: more Jupyter options, e.g. make lab LAB_OPTS="--port=8890 --no-browser"
LAB_DIR      := lab
JUPYTER_ARGS := --config=$(CURDIR)/jupyter-config/jupyter_config.py $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

.PHONY: help venv book pdf test test-lib test-notebooks lab notebook lab-update notebooks student nbgrader grade bench clean check-python

help:
	@echo "make book       execute the notebooks (cached) and build the HTML book"
	@echo "make pdf        the whole book as one PDF, _build/pdf/book.pdf (after make book)"
	@echo "make test       pytest on tests/ and nbval on every notebook in book/"
	@echo "make lab        JupyterLab on your working copy lab/ (made from book/ on first use)"
	@echo "make notebook   the same in Notebook 7 (the classic one-notebook-per-tab interface)"
	@echo "make lab-update refresh lab/ from book/ (only notebooks you have not changed;"
	@echo "                OVERWRITE=1 also the others, after moving yours to a backup folder)"
	@echo "make notebooks  re-execute notebooks in place (NB=book/x.ipynb for one)"
	@echo "make student    student edition (no solutions) in _build/student"
	@echo "make nbgrader   nbgrader course directory (autograded exercises) in nbgrader-course/"
	@echo "make grade SUBMISSIONS=dir   grade a folder of submitted notebooks to dir/grades.csv"
	@echo "make bench      speed and memory measurements (benchmarks/)"
	@echo "make clean      remove build outputs (never notebooks)"

check-python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "No '$(PYTHON)' found: install Python 3.10 or newer (or run make PYTHON=/path/to/python3)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { echo "Python 3.10 or newer is needed, '$(PYTHON)' is $$($(PYTHON) -c 'import platform; print(platform.python_version())'): install a newer Python and run make PYTHON=python3.1x."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1 || { echo "Python's venv module is missing: install it (Debian/Ubuntu: apt-get install python3-venv) and run make again."; exit 1; }

$(STAMP): requirements.txt pyproject.toml | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"

# The PDF is printed by Chromium from the built HTML book (apt-get install chromium).
pdf: $(STAMP)
	@test -f _build/html/index.html || { echo "No built book: run make book first."; exit 1; }
	$(PY) _ext/book_pdf.py --html _build/html --out _build/pdf/book.pdf

test: $(STAMP)
	$(PY) -m pytest tests book $(NBVAL)

test-lib: $(STAMP)
	$(PY) -m pytest tests

test-notebooks: $(STAMP)
	$(PY) -m pytest $(NB) $(NBVAL)

lab: $(STAMP)
	@$(PY) jupyter-config/labcopy.py create --book book --copy $(LAB_DIR)
	$(VENV)/bin/jupyter lab $(JUPYTER_ARGS) $(LAB_OPTS) $(LAB_DIR)

notebook: $(STAMP)
	@$(PY) jupyter-config/labcopy.py create --book book --copy $(LAB_DIR)
	$(VENV)/bin/jupyter notebook $(JUPYTER_ARGS) $(LAB_OPTS) $(LAB_DIR)

lab-update: $(STAMP)
	@$(PY) jupyter-config/labcopy.py update --book book --copy $(LAB_DIR) $(if $(OVERWRITE),--overwrite)

notebooks: $(STAMP)
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=600 $(NB)

# STUDENT_OPTS: launch-button settings for the class, e.g.
#   make student STUDENT_OPTS="--repository-url <class-repo-url> --jupyterhub-url <hub-url>"
student: $(STAMP)
	$(PY) -m classroom student --out _build/student --html $(STUDENT_OPTS)

# The course directory lives outside _build (make clean never touches nbgrader's gradebook).
# NBGRADER_OPTS: e.g. --chapter 04_lstm (one assignment) or --course-id my-course.
NBGRADER_DIR ?= nbgrader-course
nbgrader: $(STAMP)
	$(PY) -m classroom nbgrader --out $(NBGRADER_DIR) $(NBGRADER_OPTS)

# SUBMISSIONS: a folder with one subfolder (or .zip) of notebooks per student.
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "make grade SUBMISSIONS=<folder of submissions>"; exit 2; }
	$(PY) -m classroom grade $(SUBMISSIONS) $(GRADE_OPTS)

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
