"""Validation: SHACL on Oxigraph (:mod:`.shacl`), the evidence anchors checked against the
article (:mod:`.evidence`) or its shipped fingerprint (:mod:`.fingerprint`), one report
(:mod:`.validation`)."""
