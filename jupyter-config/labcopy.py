"""The learner's working copy of the book's notebooks (``make lab``, ``make notebook``, ``make lab-update``).

JupyterLab saves a notebook as soon as it runs (outputs, execution times,
widget ids), so it never serves ``book/`` itself: the tracked notebooks stay
exactly as committed. It serves a copy, ``lab/`` (ignored by git), made from
``book/`` on first use. ``lab/.labcopy.json`` records the SHA-256 of each
notebook as copied, which tells apart the notebooks the learner has not
touched from the ones they changed (ran, edited or saved).

* ``create`` (every ``make lab``/``make notebook``): makes the copy on first use;
  later, only copies notebooks that are missing from it (a new chapter, a
  deleted file) and says which chapters ``book/`` has changed since the copy.
  It never replaces a file that is there.
* ``update`` (``make lab-update``): replaces the notebooks the learner has not
  changed with the book's current version; changed ones are kept and listed.
* ``update --overwrite`` (``make lab-update OVERWRITE=1``): also replaces the
  changed ones, after moving them to ``lab/backup-<date>-<time>/`` (and says so).

Usage: ``python jupyter-config/labcopy.py {create,update} [--overwrite] [--book DIR] [--copy DIR]``.
"""
import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ".labcopy.json"


def sha256(path):
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_manifest(copy):
    path = copy / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _write_manifest(copy, manifest):
    (copy / MANIFEST).write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n", encoding="utf-8")


def _copy(book, copy, name, manifest):
    shutil.copyfile(book / name, copy / name)
    manifest[name] = sha256(copy / name)


def status(book, copy):
    """How each notebook of ``book`` stands in ``copy``.

    Returns
    -------
    dict of str -> str
        Notebook file name -> "missing" (not in the copy), "same" (as the book's),
        "book changed" (the learner's copy is untouched, the book has a newer one),
        or "edited" (the learner changed it, or it is not one this tool copied).
    """
    manifest = _read_manifest(copy)
    result = {}
    for source in sorted(Path(book).glob("*.ipynb")):
        target = Path(copy) / source.name
        if not target.is_file():
            result[source.name] = "missing"
            continue
        current = sha256(target)
        if current == sha256(source):
            result[source.name] = "same"
        elif manifest.get(source.name) == current:
            result[source.name] = "book changed"
        else:
            result[source.name] = "edited"
    return result


def create(book, copy, out=print):
    """Make ``copy`` from ``book`` on first use, else add the notebooks it lacks; never replace a file.

    Returns
    -------
    list of str
        The notebooks copied.
    """
    book, copy = Path(book), Path(copy)
    if not any(book.glob("*.ipynb")):
        raise ValueError(f"book must be a folder with notebooks (*.ipynb), got {str(book)!r} with none")
    first = not copy.exists()
    copy.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(copy)
    states = status(book, copy)
    copied = [name for name, state in states.items() if state == "missing"]
    for name in copied:
        _copy(book, copy, name, manifest)
    for name, state in states.items():
        if state == "same":
            manifest.setdefault(name, sha256(copy / name))
    _write_manifest(copy, manifest)
    if first:
        out(f"Your working copy of the notebooks is {copy}/ ({len(copied)} notebooks from {book}/): "
            "edit and run them there; git ignores it and book/ stays as committed.")
    elif copied:
        out(f"Copied into {copy}/ from {book}/: {', '.join(copied)}")
    newer = [name for name, state in states.items() if state == "book changed"]
    edited_and_newer = [name for name, state in states.items()
                        if state == "edited" and manifest.get(name) not in (None, sha256(book / name))]
    if newer:
        out(f"{book}/ has newer versions of {', '.join(newer)} (your copies are untouched): "
            "`make lab-update` takes them.")
    if edited_and_newer:
        out(f"{book}/ has newer versions of {', '.join(edited_and_newer)}, which you changed in {copy}/: "
            "yours are kept (`make lab-update OVERWRITE=1` takes the book's after moving yours to a backup).")
    return copied


def update(book, copy, overwrite=False, out=print):
    """Bring ``copy`` up to date with ``book`` without losing the learner's changes.

    Notebooks the learner has not changed (and missing ones) are replaced by
    the book's. Changed ones are kept, or with ``overwrite`` moved to
    ``copy/backup-<date>-<time>/`` first and then replaced.

    Returns
    -------
    dict
        "updated", "kept" and "backed_up" (lists of file names) and "backup"
        (the backup folder, or None).
    """
    book, copy = Path(book), Path(copy)
    if not copy.exists():
        create(book, copy, out=out)
        return {"updated": sorted(p.name for p in book.glob("*.ipynb")), "kept": [], "backed_up": [], "backup": None}
    manifest = _read_manifest(copy)
    states = status(book, copy)
    updated = [n for n, s in states.items() if s in ("missing", "book changed")]
    kept = [n for n, s in states.items() if s == "edited"]
    backup, backed_up = None, []
    if overwrite and kept:
        backup = copy / time.strftime("backup-%Y%m%d-%H%M%S")
        suffix = 1
        while backup.exists():
            suffix += 1
            backup = copy / time.strftime(f"backup-%Y%m%d-%H%M%S-{suffix}")
        backup.mkdir()
        for name in kept:
            shutil.move(str(copy / name), str(backup / name))
        backed_up, kept = kept, []
        updated += backed_up
    for name in sorted(updated):
        _copy(book, copy, name, manifest)
    for name, state in states.items():
        if state == "same":
            manifest[name] = sha256(copy / name)
    _write_manifest(copy, manifest)
    out(f"Updated from {book}/: {', '.join(sorted(updated)) or 'nothing (all up to date)'}")
    if backed_up:
        out(f"Your changed versions of {', '.join(backed_up)} are in {backup}/")
    if kept:
        out(f"Kept your changed {', '.join(kept)} as they are; `make lab-update OVERWRITE=1` replaces them "
            f"with the book's after moving yours to {copy}/backup-<date>-<time>/.")
    return {"updated": sorted(updated), "kept": kept, "backed_up": backed_up, "backup": backup}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["create", "update"])
    parser.add_argument("--overwrite", action="store_true",
                        help="update: also replace notebooks you changed (moved to a backup folder first)")
    parser.add_argument("--book", default=str(ROOT / "book"), help="the tracked notebooks (default: book/)")
    parser.add_argument("--copy", default=str(ROOT / "lab"), help="the working copy (default: lab/)")
    args = parser.parse_args(argv)
    try:
        if args.action == "create":
            create(args.book, args.copy)
        else:
            update(args.book, args.copy, overwrite=args.overwrite)
    except ValueError as error:
        print(f"labcopy: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
