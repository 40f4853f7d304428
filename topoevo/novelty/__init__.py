"""Quality-diversity for NEAT genomes: novelty search and NSLC as NEAT selection modes (:mod:`.search`), the novelty
archive (:mod:`.archive`), MAP-Elites with a grid or CVT archive (:mod:`.mapelites`)."""
