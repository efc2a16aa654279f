"""Domain errors cross process boundaries (the search process, the SPARQL workers) intact."""

from __future__ import annotations

import pickle

import pytest

from cradle.core import errors


def _all(cls: type[errors.CradleError]) -> list[type[errors.CradleError]]:
    return [cls] + [c for sub in cls.__subclasses__() for c in _all(sub)]


@pytest.mark.parametrize("cls", _all(errors.CradleError), ids=lambda c: c.__name__)
def test_every_domain_error_pickles_with_its_message_and_details(
    cls: type[errors.CradleError],
) -> None:
    if issubclass(cls, errors.CatalogueError):
        error = cls(["a.yaml: entry x: title: missing", "a.yaml: entry y: url: not a URL"])
    elif issubclass(cls, errors.ValidationFailed):
        error = cls(["<r> has no title", "<s> has two sources"])
    else:
        error = cls("what went wrong, and what to do")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert str(back) == str(error)
    assert vars(back) == vars(error)
