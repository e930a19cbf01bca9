"""Files into one store: RDF files parsed by Oxigraph into the in-memory store every command
reads (:mod:`.oxengine`), the checks every input file passes first (:mod:`.rdffiles`), copies
to and from rdflib (:mod:`.rdflibcopy`) and content-based blank-node labels (:mod:`.bnodes`)."""
