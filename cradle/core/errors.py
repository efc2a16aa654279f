"""Domain errors. Core code raises these; only the service maps them to HTTP status codes."""

from __future__ import annotations


class CradleError(Exception):
    """Base class for every error Cradle raises on purpose."""


class CatalogueError(CradleError):
    """The catalogue (YAML) is malformed or refers to something unknown.

    Attributes:
        problems: one line per problem, ``file: entry <id>: <field>: <what is wrong>``.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    def __reduce__(self) -> tuple[type[CatalogueError], tuple[list[str]]]:
        """Pickled with its problems (errors cross to and from worker processes)."""
        return type(self), (self.problems,)


class UnreadableFile(CatalogueError):
    """An input file cannot be read at all (missing, a folder, no permission)."""


class ValidationFailed(CradleError):
    """The built graph does not conform to the SHACL shapes."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        super().__init__("\n".join(violations))

    def __reduce__(self) -> tuple[type[ValidationFailed], tuple[list[str]]]:
        """Pickled with its violations (see :meth:`CatalogueError.__reduce__`)."""
        return type(self), (self.violations,)


class DataDirError(CradleError):
    """A data dir's build is missing, incomplete or mismatched; the message names the file, the
    folder and what to run (:mod:`cradle.core.datadir`)."""


class NotBuilt(DataDirError):
    """The data directory holds no build (or an incomplete one): run ``cradle build``."""


class StaleIndex(DataDirError):
    """The search index was built from a different graph: run ``cradle build``."""


class QuerySyntaxError(CradleError):
    """A SPARQL query could not be parsed; the message is the parser's."""


class QueryRefused(CradleError):
    """A SPARQL request asks for something this read-only endpoint never does."""


class QueryTimeout(CradleError):
    """A SPARQL query ran past its deadline and was stopped."""

    @classmethod
    def after(cls, seconds: float) -> QueryTimeout:
        """The one message, whichever engine stopped the query."""
        return cls(
            f"the query ran past the {seconds:g} s deadline and was stopped; "
            "add LIMIT, narrow its patterns or avoid cross products"
        )


class InvalidSearch(CradleError):
    """A search request is invalid (empty query, k out of range, unknown facet value)."""


class ModelNotFound(CradleError):
    """The embedding model the settings name is neither the packaged default nor a local folder
    (models are never downloaded); the message says what to set."""


class NotServed(CradleError):
    """What a request needs is not served by this server: it was started with named graphs only,
    its search index could not be opened, or it has no SPARQL engine or web pages. The message,
    written for clients, says which and why."""


class SearchStopped(CradleError):
    """The process answering searches stopped (it ended, or passed its deadline and was
    killed); the next search starts a new one. The message, written for clients, says which."""


class InvalidQueries(CradleError):
    """An evaluation queries file is missing or malformed; the message names file and entry."""


class ContactsError(CradleError):
    """The private contacts file is missing or malformed; the message names file and entry."""


class MissingDependency(CradleError):
    """An optional dependency is not installed; the message says what to install."""


class StoreUnavailable(CradleError):
    """The external SPARQL store cannot be reached, refused a request or answered badly."""


class UpdateRefused(QueryRefused):
    """A SPARQL update (or LOAD) was sent to the read-only endpoint."""


class NotAcceptable(CradleError):
    """No result format the client accepts fits the query's form."""


class EngineBusy(CradleError):
    """Every query worker is busy and the waiting line is full: retry shortly."""


class QueryFailed(CradleError):
    """The query engine failed while evaluating a query (not the client's fault)."""


class QueryAborted(CradleError):
    """A query was stopped because it exhausted the memory or crashed its worker."""


class QueryCancelled(CradleError):
    """A query (SPARQL, or a search waiting its turn) was stopped because its client went away
    before the answer."""


class ClientOverLimit(CradleError):
    """One client already runs as many SPARQL queries at once as it may."""


class UnknownIri(CradleError):
    """A linked-data page names an IRI the graph says nothing about."""


class RemovedResource(UnknownIri):
    """A catalogue resource a build removed: a page bookmarked before then says so, and when."""


class InvalidCoverage(CradleError):
    """A coverage request names an unknown status; the message lists the valid ones."""


class UnknownArea(InvalidCoverage):
    """A coverage request's ``within`` names no place of the graph; the message says what to use."""


class ProtocolViolation(CradleError):
    """A request breaks the SPARQL protocol: parameters, body encoding or form fields."""


class UrlTooLong(ProtocolViolation):
    """A request's URL is longer than the server reads."""


class BodyTooLarge(ProtocolViolation):
    """A request's body is larger than the server reads."""


class BodyTooSlow(ProtocolViolation):
    """A request's body did not arrive within the query deadline."""


class UnsupportedMediaType(ProtocolViolation):
    """A request's body has a media type or charset the endpoint does not read."""
