"""Hostile input files, generated at run time into one folder and shared by every case.

Files that must mention a URL (a listener's port) are made per case instead, in
:mod:`tests.adversarial.cases`. Each generator here is run once, on first use.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

EX = "http://example.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SECRET = b"kg-adversarial-secret-7f3a"  # a file's content that must never reach any output

SMALL_TTL = (
    "@prefix ex: <http://example.org/> .\n"
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    'ex:a skos:prefLabel "a"@en ; ex:p ex:b .\n'
)
SMALL_TRIPLES = 2


def _laughs(levels: int = 10, fanout: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        refs = f"&lol{level - 1};" * fanout
        entities.append(f'<!ENTITY lol{level} "{refs}">')
    doctype = "<!DOCTYPE rdf:RDF [\n" + "\n".join(entities) + "\n]>\n"
    return (
        '<?xml version="1.0"?>\n'
        + doctype
        + '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">\n'
        f'  <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol{levels - 1};</ex:p>'
        "</rdf:Description>\n</rdf:RDF>\n"
    ).encode()


def _quadratic() -> bytes:
    big = "a" * 100_000
    refs = "&big;" * 20_000
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY big "{big}">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">\n'
        f'<rdf:Description rdf:about="http://example.org/a"><ex:p>{refs}</ex:p>'
        "</rdf:Description></rdf:RDF>\n"
    ).encode()


def _xml_doc(body: str, doctype: str = "") -> bytes:
    return (
        '<?xml version="1.0"?>\n'
        + doctype
        + '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">\n' + body + "\n</rdf:RDF>\n"
    ).encode()


def _deep_xml(depth: int = 50_000) -> bytes:
    opening = '<rdf:Description rdf:about="http://example.org/n"><ex:p>' * depth
    closing = "</ex:p></rdf:Description>" * depth
    return _xml_doc(opening + "x" + closing)


def _deep_turtle(depth: int = 100_000) -> bytes:
    return (
        "@prefix ex: <http://example.org/> .\nex:a ex:p "
        + "[ ex:p " * depth
        + "ex:b"
        + " ]" * depth
        + " .\n"
    ).encode()


def _deep_collection(depth: int = 100_000) -> bytes:
    return (
        "@prefix ex: <http://example.org/> .\nex:a ex:p "
        + "( " * depth
        + "ex:b"
        + " )" * depth
        + " .\n"
    ).encode()


def _deep_jsonld(depth: int = 100_000) -> bytes:
    text = '{"@id": "http://example.org/n", "http://example.org/p": ' * depth + '"x"' + "}" * depth
    return text.encode()


def _deep_n3(depth: int = 20_000) -> bytes:
    return (
        "@prefix ex: <http://example.org/> .\nex:a ex:p "
        + "{ ex:a ex:p " * depth
        + "ex:b"
        + " }" * depth
        + " .\n"
    ).encode()


def _big_literal_nt(size: int = 50 << 20) -> bytes:
    return b'<http://example.org/a> <http://example.org/p> "' + b"a" * size + b'" .\n'


def _big_literal_ttl(size: int = 50 << 20) -> bytes:
    return (
        b'@prefix ex: <http://example.org/> .\nex:a ex:p """' + b"ab\n" * (size // 3) + b'""" .\n'
    )


def _many_nt(count: int = 150_000) -> bytes:
    lines = (
        f'<http://example.org/s{i}> <http://example.org/p{i % 7}> "literal number {i} '
        f'with some padding to make the file larger" .\n'
        for i in range(count)
    )
    return "".join(lines).encode()


def _jsonld(context: object) -> bytes:
    return json.dumps({"@context": context, "@id": EX + "a", "label": "x"}).encode()


GENERATORS: dict[str, tuple[str, Callable[[], bytes]]] = {
    # name: (file name, bytes)
    "small": ("small.ttl", lambda: SMALL_TTL.encode()),
    "small-nt": (
        "small.nt",
        lambda: (
            b'<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n<http://example.org/a> <http://example.org/q> "a" .\n'  # noqa: E501
        ),
    ),
    "small-xml": (
        "small.rdf",
        lambda: _xml_doc(
            '<rdf:Description rdf:about="http://example.org/a"><ex:p>x</ex:p><ex:q>y</ex:q></rdf:Description>'
        ),
    ),
    "small-jsonld": (
        "small.jsonld",
        lambda: json.dumps(
            {"@context": {"ex": EX}, "@id": "ex:a", "ex:p": "x", "ex:q": {"@id": "ex:b"}}
        ).encode(),
    ),
    "laughs": ("laughs.rdf", _laughs),
    "quadratic": ("quadratic.rdf", _quadratic),
    "deep-xml": ("deep.rdf", _deep_xml),
    "deep-turtle": ("deep.ttl", _deep_turtle),
    "deep-collection": ("deep-list.ttl", _deep_collection),
    "deep-jsonld": ("deep.jsonld", _deep_jsonld),
    "deep-n3": ("deep.n3", _deep_n3),
    "big-literal-nt": ("big-literal.nt", _big_literal_nt),
    "big-literal-ttl": ("big-literal.ttl", _big_literal_ttl),
    "many-nt": ("many.nt", _many_nt),
    "medium-nt": ("medium.nt", lambda: _many_nt(20_000)),
    "latin1-ttl": (
        "latin1.ttl",
        lambda: b'@prefix ex: <http://example.org/> .\nex:a ex:p "caf\xe9" .\n',
    ),
    "latin1-nt": (
        "latin1.nt",
        lambda: b'<http://example.org/a> <http://example.org/p> "caf\xe9" .\n',
    ),
    "latin1-xml": (
        "latin1.rdf",
        lambda: _xml_doc(
            '<rdf:Description rdf:about="http://example.org/a"><ex:p>caf\xe9</ex:p></rdf:Description>'
        ).replace(b"caf\xc3\xa9", b"caf\xe9"),
    ),
    "latin1-declared-xml": (
        "latin1-declared.rdf",
        lambda: (
            _xml_doc(
                '<rdf:Description rdf:about="http://example.org/a"><ex:p>caf\xe9</ex:p></rdf:Description>'
            )
            .replace(b"caf\xc3\xa9", b"caf\xe9")
            .replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="ISO-8859-1"?>')
        ),
    ),
    "latin1-jsonld": (
        "latin1.jsonld",
        lambda: b'{"@id": "http://example.org/a", "http://example.org/p": "caf\xe9"}',
    ),
    "bad-utf8-iri": (
        "bad-iri.ttl",
        lambda: b"<http://example.org/\xff\xfe> <http://example.org/p> 1 .\n",
    ),
    "bom-ttl": ("bom.ttl", lambda: b"\xef\xbb\xbf" + SMALL_TTL.encode()),
    "bom-nt": (
        "bom.nt",
        lambda: (
            b"\xef\xbb\xbf<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"
        ),
    ),
    "bom-xml": (
        "bom.rdf",
        lambda: (
            b"\xef\xbb\xbf"
            + _xml_doc(
                '<rdf:Description rdf:about="http://example.org/a"><ex:p>x</ex:p></rdf:Description>'
            )
        ),
    ),
    "bom-jsonld": (
        "bom.jsonld",
        lambda: b"\xef\xbb\xbf" + json.dumps({"@id": EX + "a", EX + "p": "x"}).encode(),
    ),
    "utf16-ttl": ("utf16.ttl", lambda: SMALL_TTL.encode("utf-16")),
    "nul-ttl": ("nul.ttl", lambda: b'@prefix ex: <http://example.org/> .\nex:a ex:p "a\x00b" .\n'),
    "nul-outside": (
        "nul-outside.ttl",
        lambda: b"@prefix ex: <http://example.org/> .\nex:a\x00 ex:p ex:b .\n",
    ),
    "escaped-nul": (
        "escaped-nul.ttl",
        lambda: b'@prefix ex: <http://example.org/> .\nex:a ex:p "a\\u0000b" .\n',
    ),
    "esc-label": (
        "esc-label.ttl",
        lambda: (
            b"@prefix ex: <http://example.org/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"  # noqa: E501
            b'ex:a skos:prefLabel "\\u001b[2J\\u001b]0;pwned\\u0007 \\u202eevil" ; ex:p ex:b .\n'
            b'ex:b skos:prefLabel "<img src=x onerror=alert(1)></script><script>alert(2)</script>" .\n'  # noqa: E501
        ),
    ),
    "esc-raw-token": (
        "esc-token.ttl",
        lambda: b"@prefix ex: <http://example.org/> .\nex:a ex:p \x1b]0;title\x07\x1b[2J .\n",
    ),
    "esc-raw-iri": (
        "esc-iri.ttl",
        lambda: b"<http://example.org/\x1b[31mred> <http://example.org/p> 1 .\n",
    ),
    "esc-iri-escape": (
        "esc-iri-u.ttl",
        lambda: b"<http://example.org/\\u001b[31m> <http://example.org/p> 1 .\n",
    ),
    "bidi-token": (
        "bidi.ttl",
        "@prefix ex: <http://example.org/> .\nex:a ex:p \u202e\u200bnope .\n".encode,
    ),
    "surrogate": (
        "surrogate.ttl",
        lambda: b'@prefix ex: <http://example.org/> .\nex:a ex:p "\\uD800" .\n',
    ),
    "bad-codepoint": (
        "codepoint.ttl",
        lambda: b'@prefix ex: <http://example.org/> .\nex:a ex:p "\\U00110000" .\n',
    ),
    "empty": ("empty.ttl", lambda: b""),
    "blank": ("blank.ttl", lambda: b"  \n\t\n"),
    "comments-ttl": ("comments.ttl", lambda: b"# nothing here\n# at all\n"),
    "comments-xml": ("comments.rdf", lambda: b'<?xml version="1.0"?>\n<!-- nothing here -->\n'),
    "bad-syntax": ("bad.ttl", lambda: b"@prefix ex: <http://example.org/> .\nex:a ex:p .\n"),
    "bad-lang": (
        "bad-lang.ttl",
        lambda: b'@prefix ex: <http://example.org/> .\nex:a ex:p "x"@123 .\n',
    ),
    "ill-typed": (
        "ill-typed.ttl",
        lambda: (
            "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"  # noqa: E501
            'ex:a ex:p "abc"^^xsd:integer , "2020-13-45"^^xsd:dateTime , "1e999999"^^xsd:double , '
            '"' + "9" * 5000 + '"^^xsd:integer .\n'
        ).encode(),
    ),
    "long-iri": (
        "long-iri.nt",
        lambda: (
            b"<http://example.org/"
            + b"a" * 1_000_000
            + b"> <http://example.org/p> <http://example.org/b> .\n"
        ),
    ),
    "crlf": ("crlf.ttl", lambda: SMALL_TTL.replace("\n", "\r\n").encode()),
    "cr-only": ("cr.ttl", lambda: SMALL_TTL.replace("\n", "\r").encode()),
    "n3-formula": (
        "rules.n3",
        lambda: (
            b"@prefix ex: <http://example.org/> .\n{ ?x ex:p ?y } => { ?y ex:q ?x } .\nex:a ex:p ex:b .\n"  # noqa: E501
        ),
    ),
    "unknown-suffix": ("graph.txt", lambda: SMALL_TTL.encode()),
    "no-suffix": ("graph", lambda: SMALL_TTL.encode()),
    "trig-graphs": (
        "graphs.trig",
        lambda: (
            b"@prefix ex: <http://example.org/> .\nex:g1 { ex:a ex:p ex:b . }\nex:g2 { ex:a ex:p ex:b . }\n"  # noqa: E501
        ),
    ),
    "nq-quads": (
        "quads.nq",
        lambda: (
            b"<http://example.org/a> <http://example.org/p> <http://example.org/b> <http://example.org/g1> .\n<http://example.org/a> <http://example.org/p> <http://example.org/b> <http://example.org/g2> .\n"  # noqa: E501
        ),
    ),
    "jsonld-inline": (
        "inline.jsonld",
        lambda: _jsonld({"label": "http://www.w3.org/2000/01/rdf-schema#label"}),
    ),
    "jsonld-not-rdf": ("array.jsonld", lambda: b"[1, 2, 3]"),
    "jsonld-broken": ("broken.jsonld", lambda: b'{"@id": "http://example.org/a", '),
    "xml-broken": (
        "broken.rdf",
        lambda: (
            b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<rdf:Description>\n'
        ),
    ),
    "secret": (
        "secret.ttl",
        lambda: b'<http://example.org/s> <http://example.org/p> "' + SECRET + b'" .\n',
    ),
    "secret-txt": ("secret.txt", lambda: SECRET + b"\n"),
    "query-latin1": ("latin1.rq", lambda: b'SELECT ?s WHERE { ?s ?p "caf\xe9" }\n'),
    "query-nul": ("nul.rq", lambda: b"SELECT ?s WHERE { ?s ?p \x00 ?o }\n"),
    "query-bom": ("bom.rq", lambda: b"\xef\xbb\xbfSELECT ?s WHERE { ?s a skos:Concept } LIMIT 1\n"),
    "query-esc": ("esc.rq", lambda: b"SELECT ?s WHERE { ?s ?p \x1b[2J\x1b]0;t\x07 }\n"),
    "query-empty": ("empty.rq", lambda: b""),
    "article-latin1": ("article-latin1.txt", lambda: b"Section caf\xe9\n"),
    "article-empty": ("article-empty.txt", lambda: b""),
    "article-nul": ("article-nul.txt", lambda: b"\x00\x00\x00\n"),
}


class Inputs:
    """The shared folder of generated inputs; ``path(name)`` makes a file on first use."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="kg-adversarial-inputs."))
        self._owned = root is None
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._made: set[str] = set()

    def path(self, name: str) -> Path:
        file_name, make = GENERATORS[name]
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            target = self.root / file_name
            if name not in self._made:
                target.write_bytes(make())
                target.chmod(0o444)  # no command may change an input
                self._made.add(name)
        return target

    def cleanup(self) -> None:
        if self._owned:
            shutil.rmtree(self.root, ignore_errors=True)
