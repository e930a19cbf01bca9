"""Other servers: ``kg push`` over the Graph Store Protocol and ``kg serve`` (:mod:`.stores`),
the one HTTP layer for remote requests (:mod:`.http`) and the front that guards the local
server (:mod:`.servefront`)."""
