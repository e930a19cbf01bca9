"""Where a SPARQL query fails to parse, located by rdflib's grammar (the error path only).

Oxigraph's parser reports the furthest point it tried, often the end of the text; rdflib's
pyparsing grammar points at the offending token. It is imported only once Oxigraph has
refused a query, never on a query that runs.
"""

from __future__ import annotations

import re

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseQuery

from kg import deadline
from kg.querying import querytext


def describe_parse_failure(text: str) -> str | None:
    """``line L, column C: what`` if rdflib's parser rejects ``text``, else None."""
    try:
        with deadline.deep_recursion():
            parseQuery(text)
    except ParseBaseException as error:
        found = re.search(r"found (.*?)\s+\(at char", str(error))
        detail = found.group(1) if found and found.group(1) != "end of text" else ""
        return querytext.syntax_error(text, error.loc, detail)
    except (RecursionError, ValueError):
        return None
    return None
