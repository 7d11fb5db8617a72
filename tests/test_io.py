"""Saving and loading params: round trip, atomic writes, refusals that name the array."""

import os

import numpy as np
import pytest

from rnnlib import io as rio
from rnnlib.io import load_params, save_params


@pytest.fixture
def params():
    rng = np.random.default_rng(3)
    return {
        "W": rng.standard_normal((8, 5)),
        "b": rng.standard_normal(8),
        "W_y": rng.standard_normal((2, 2)).astype(np.float32),
        "b_y": np.zeros(2, np.float32),
    }


def test_round_trip(tmp_path, params):
    path = tmp_path / "model.npz"
    save_params(path, params)
    loaded = load_params(path, like=params)
    assert list(loaded) == list(params)
    for k in params:
        np.testing.assert_array_equal(loaded[k], params[k])
        assert loaded[k].dtype == params[k].dtype
    assert load_params(str(path)).keys() == params.keys()  # str paths too, like optional


def test_save_leaves_no_temporary_files_and_overwrites_npz(tmp_path, params):
    path = tmp_path / "model.npz"
    save_params(path, params)
    save_params(path, {**params, "b": params["b"] + 1})
    np.testing.assert_array_equal(load_params(path)["b"], params["b"] + 1)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    assert (path.stat().st_mode & 0o777) == (0o666 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_failed_save_keeps_the_old_file(tmp_path, params, monkeypatch):
    path = tmp_path / "model.npz"
    save_params(path, params)
    before = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half written")
        raise OSError("disk full")

    monkeypatch.setattr(rio.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_params(path, {"W": np.ones(3)})
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]  # the temporary file is removed


def test_save_refusals(tmp_path, params):
    with pytest.raises(ValueError, match=r"path: expected a path ending in '.npz'"):
        save_params(tmp_path / "model.txt", params)
    folder = tmp_path / "dir.npz"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="path: expected an .npz file, got .*, which is a directory"):
        save_params(folder, params)
    notes = tmp_path / "notes.npz"
    notes.write_text("my notes, not an archive")
    with pytest.raises(FileExistsError, match=r"path: expected a new file or an .npz archive to replace, got .*, which exists and is not an .npz archive \(refusing to overwrite it\)"):
        save_params(notes, params)
    assert notes.read_text() == "my notes, not an archive"
    existing = tmp_path / "keep.npz"
    save_params(existing, params)
    with pytest.raises(FileExistsError, match=r"path: expected a path where no file exists \(overwrite=False\), got .*, which exists"):
        save_params(existing, params, overwrite=False)
    with pytest.raises(TypeError, match=r"params\['bad'\]: expected a numeric array"):
        save_params(tmp_path / "x.npz", {"bad": np.array([object()])})
    with pytest.raises(TypeError, match="params: expected a dict"):
        save_params(tmp_path / "x.npz", [np.ones(2)])
    with pytest.raises(TypeError, match="path: expected a str or os.PathLike"):
        save_params(3, params)
    assert not (tmp_path / "x.npz").exists()


def test_save_does_not_mutate(tmp_path, params):
    saved = {k: v.copy() for k, v in params.items()}
    save_params(tmp_path / "m.npz", params)
    for k in params:
        np.testing.assert_array_equal(params[k], saved[k])


def test_load_like_names_the_offending_array(tmp_path, params):
    path = tmp_path / "model.npz"
    save_params(path, params)
    with pytest.raises(ValueError, match=r"arrays in .*: expected the arrays of like .*, got no array 'c0'"):
        load_params(path, like={**params, "c0": np.zeros(2)})
    smaller = dict(params)
    del smaller["b_y"]
    with pytest.raises(ValueError, match=r"arrays in .*: expected only the arrays of like .*, got an unexpected array 'b_y'"):
        load_params(path, like=smaller)
    with pytest.raises(ValueError, match=r"array 'W' in .*: expected shape \(4, 5\) \(the shape of like\['W'\]\), got \(8, 5\)"):
        load_params(path, like={**params, "W": np.zeros((4, 5))})
    with pytest.raises(ValueError, match=r"array 'b' in .*: expected the dtype kind of like\['b'\], int64 \(kind 'i'\), got float64 \(kind 'f'\)"):
        load_params(path, like={**params, "b": np.zeros(8, dtype=np.int64)})
    # same kind, other precision: accepted, returned as stored
    assert load_params(path, like={**params, "b": np.zeros(8, np.float32)})["b"].dtype == np.float64


def test_load_refuses_pickles_and_other_files(tmp_path):
    pickled = tmp_path / "evil.npz"
    np.savez(pickled, obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="path: expected a valid params .npz file, got .*, which is not one"):
        load_params(pickled)
    npy = tmp_path / "array.npz"
    with open(npy, "wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(ValueError, match="path: expected a valid params .npz file, got .*, which is not one"):
        load_params(npy)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="path: expected a valid params .npz file, got .*, which is not one"):
        load_params(text)
    with pytest.raises(FileNotFoundError):
        load_params(tmp_path / "missing.npz")
