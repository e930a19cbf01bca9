"""Exports for other graph stores: deterministic RDF serialisations, skolemisation and
property-graph files (:mod:`.export`), GraphML written directly (:mod:`.graphml`)."""
