"""Interactive views: the graph read once for a view (:mod:`.netread`), turned into networkx
(:mod:`.network`, or the class summary of :mod:`.netsummary` when it is too big to draw),
laid out (:mod:`.layout`) and written as one offline HTML page (:mod:`.view`)."""
