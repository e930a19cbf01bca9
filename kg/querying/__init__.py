"""SPARQL on the store: the named catalogue (:mod:`.catalogue`), what a query's text says
(:mod:`.querytext`), typed parameters (:mod:`.params`), running a query locally or on an
endpoint (:mod:`.sparql`), and results in every output format (:mod:`.results`,
:mod:`.rdfwrite`)."""
