"""Save and load parameter dicts as ``.npz`` files, safely.

* :func:`save_params` writes atomically: the arrays go to a temporary file in
  the same directory, which is then renamed over the target with
  ``os.replace``. A crash or an error half-way never leaves a half-written
  file at ``path``: the target holds either its old content or the new one.
* :func:`load_params` never unpickles (``allow_pickle=False``) and, given
  ``like=`` (a params dict such as ``model.init(rng)``), refuses a file whose
  names, shapes or dtype kinds differ, naming the offending array.

Overwriting: saving to an existing ``.npz`` file replaces it (pass
``overwrite=False`` to refuse). A path that is a directory, that does not end
in ``.npz``, or an existing file that is not an ``.npz`` archive is never
written to.
"""

import os
import tempfile
import zipfile

import numpy as np

from rnnlib._checks import check_path, check_same_shape, check_type, fail

__all__ = ["save_params", "load_params"]

_ZIP_MAGIC = b"PK\x03\x04"  # an .npz file is a zip archive
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"  # a zip archive with no entries (np.savez of {})


def _check_path(path, argname="path"):
    path = check_path(argname, path, ".npz")
    if os.path.isdir(path):
        fail(IsADirectoryError, argname, "an .npz file", f"{path!r}, which is a directory")
    return path


def _is_npz(path):
    with open(path, "rb") as f:
        head = f.read(4)
    return head in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_params(path, params, overwrite=True):
    """Write a params dict to an ``.npz`` file atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; must end in ``.npz`` (nothing is appended to it). Its
        directory must exist.
    params : dict of str to ndarray
        Numeric arrays (bool, integer or floating). Each is stored under its
        key with its shape and dtype.
    overwrite : bool
        If True (default) an existing ``.npz`` file at ``path`` is replaced.
        If False an existing file is an error.

    Raises
    ------
    TypeError
        ``params`` is not a dict of numeric arrays with str keys.
    ValueError
        ``path`` does not end in ``.npz``.
    IsADirectoryError
        ``path`` is a directory.
    FileExistsError
        ``path`` exists and ``overwrite`` is False, or it exists and is not
        an ``.npz`` archive (it is left untouched).
    """
    path = _check_path(path)
    check_type("params", params, dict, "a dict of numpy arrays")
    arrays = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            fail(TypeError, "params", "non-empty str keys", f"key {key!r}")
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            fail(TypeError, f"params[{key!r}]", "a numeric array (bool, int or float)", f"dtype {arr.dtype}")
        arrays[key] = arr
    if os.path.lexists(path):
        if not overwrite:
            fail(FileExistsError, "path", "a path where no file exists (overwrite=False)", f"{path!r}, which exists")
        if not os.path.isfile(path) or not _is_npz(path):
            fail(FileExistsError, "path", "a new file or an .npz archive to replace",
                 f"{path!r}, which exists and is not an .npz archive (refusing to overwrite it)")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_params(path, like=None):
    """Load a params dict saved by :func:`save_params`.

    Parameters
    ----------
    path : str or os.PathLike
        An ``.npz`` file.
    like : dict of str to ndarray, optional
        Reference params (for example ``model.init(rng)``). If given, the file
        must hold exactly the same names, each with the same shape and the
        same dtype kind (float, int, ...; the precision may differ, the
        arrays are returned as stored).

    Returns
    -------
    dict of str to ndarray
        Fresh arrays in the order stored.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not an ``.npz`` archive, holds pickled objects, or does
        not match ``like`` (the message names the missing, extra or
        mismatched array).
    """
    path = _check_path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            params = {key: np.array(data[key]) for key in data.files}
    except FileNotFoundError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, AttributeError, TypeError) as err:
        fail(ValueError, "path", "a valid params .npz file", f"{path!r}, which is not one ({err})", cause=err)
    if like is not None:
        _check_like(params, like, path)
    return params


def _check_like(params, like, path):
    check_type("like", like, dict, "a params dict")
    missing = [k for k in like if k not in params]
    extra = [k for k in params if k not in like]
    if missing:
        fail(ValueError, f"arrays in {path!r}", f"the arrays of like {list(like)}",
             f"no array {missing[0]!r} (missing: {missing})")
    if extra:
        fail(ValueError, f"arrays in {path!r}", f"only the arrays of like {list(like)}",
             f"an unexpected array {extra[0]!r} (extra: {extra})")
    for key, ref in like.items():
        ref = np.asarray(ref)
        got = params[key]
        name = f"array {key!r} in {path!r}"
        check_same_shape(name, got, f"like[{key!r}]", ref.shape)
        if got.dtype.kind != ref.dtype.kind:
            fail(ValueError, name, f"the dtype kind of like[{key!r}], {ref.dtype} (kind {ref.dtype.kind!r})",
                 f"{got.dtype} (kind {got.dtype.kind!r})")
