"""Species: compatibility-threshold speciation with representatives, and the per-species bookkeeping."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Sequence

from topoevo.config.sections import SpeciesConfig
from topoevo.genome.distance import NeatPythonGenes, compatible, neat_python_distance
from topoevo.genome.genome import Genome
from topoevo.genome.store import StoredGenome

#: populations at least this large are speciated by the compiled array kernel
#: (:func:`topoevo.genome.table.assign_species`, same decisions), and so are populations that live in a
#: population store (the array reproduction's); smaller ones by the Python loop below (no numba import: it costs
#: most of a second)
ARRAY_SPECIATION_MIN = 1000


@dataclass
class Species:
    """A species: its representative, this generation's members and its improvement record.

    ``best_score`` is in "higher is better" units (fitness, or -fitness when minimising).

    >>> s = Species(id=1, created=0, representative=None)
    >>> s.size
    0
    """

    id: int
    created: int
    representative: Genome | None
    members: list[Genome] = field(default_factory=list)
    best_score: float = float("-inf")
    last_improved: int = 0

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class SpeciesSet:
    """All species of the population and the (possibly adjusted) compatibility threshold.

    >>> SpeciesSet(threshold=3.0).species
    {}
    """

    threshold: float
    species: dict[int, Species] = field(default_factory=dict)
    next_id: int = 1

    def speciate(self, genomes: Sequence[Genome], generation: int, cfg: SpeciesConfig, rng: random.Random) -> None:
        """Assign every genome to the first species whose representative is within the threshold (its parent's
        species is tried first), founding new species as needed; species left empty go extinct; each surviving
        species then takes a random member as the next generation's representative (as in the paper)."""
        for s in self.species.values():
            s.members = []
        if cfg.method == "neat_python":
            self._speciate_neat_python(genomes, generation, cfg)
        elif len(genomes) >= ARRAY_SPECIATION_MIN or (genomes and isinstance(genomes[0], StoredGenome)):
            self._speciate_arrays(genomes, generation, cfg)
        else:
            self._speciate_loop(genomes, generation, cfg)
        for sid in [sid for sid, s in self.species.items() if not s.members]:
            del self.species[sid]
        if cfg.method != "neat_python":  # (neat-python's representatives were chosen while speciating)
            for s in self.species.values():
                s.representative = s.members[rng.randrange(len(s.members))]
        if cfg.target_species > 0:
            n = len(self.species)
            if n > cfg.target_species:
                self.threshold += cfg.threshold_step
            elif n < cfg.target_species:
                self.threshold = max(cfg.threshold_min, self.threshold - cfg.threshold_step)

    def _speciate_arrays(self, genomes: Sequence[Genome], generation: int, cfg: SpeciesConfig) -> None:
        from topoevo.genome.table import assign_species

        order = list(self.species.values())
        slot_of = {s.id: i for i, s in enumerate(order)}
        first_new, n_old = self.next_id, len(order)

        def home(sid: int | None) -> int:
            """A species id's slot; an id this call will hand out (next_id + k) is the k-th species founded here."""
            if sid is None:
                return -1
            slot = slot_of.get(sid)
            if slot is not None:
                return slot
            return n_old + sid - first_new if 0 <= sid - first_new < len(genomes) else -1

        sids = [g.species for g in genomes]
        home_of = {sid: home(sid) for sid in set(sids)}  # (a few species, many genomes)
        homes = list(map(home_of.__getitem__, sids))
        slots, founders = assign_species(genomes, homes, [s.representative for s in order], cfg, self.threshold)
        for f in founders.tolist():
            s = Species(self.next_id, generation, genomes[f], last_improved=generation)
            self.next_id += 1
            self.species[s.id] = s
            order.append(s)
        for g, k in zip(genomes, slots.tolist()):
            s = order[k]
            s.members.append(g)
            g.species = s.id

    def _speciate_neat_python(self, genomes: Sequence[Genome], generation: int, cfg: SpeciesConfig) -> None:
        """neat-python 2.0's ``DefaultSpeciesSet.speciate`` with its distance (``species.method = "neat_python"``).
        Genomes are taken by increasing key (neat-python's order), species by increasing id. Each species takes the
        genome closest to its representative (first on ties; even beyond the threshold) as its new representative
        and first member; every other genome then joins the species whose new representative is closest, if within
        the threshold, or founds a species it represents. No random numbers are drawn."""
        genes: dict[int, NeatPythonGenes] = {}

        def of(g: Genome) -> NeatPythonGenes:
            x = genes.get(id(g))
            if x is None:
                x = genes[id(g)] = NeatPythonGenes.of(g)
            return x

        unspeciated = sorted(genomes, key=lambda g: g.key)
        reps: list[tuple[Species, NeatPythonGenes]] = []  # (species, its new representative's genes)
        for sid in sorted(self.species):
            if not unspeciated:
                break
            s = self.species[sid]
            if s.representative is None:
                continue
            old = of(s.representative)
            dists = [neat_python_distance(old, of(g), cfg) for g in unspeciated]
            rep = unspeciated.pop(dists.index(min(dists)))
            s.representative = rep
            s.members.append(rep)
            reps.append((s, of(rep)))
        for g in unspeciated:
            x, best, target = of(g), self.threshold, None
            for s, r in reps:
                d = neat_python_distance(r, x, cfg)
                if d < best:
                    best, target = d, s
            if target is None:
                target = Species(self.next_id, generation, g, last_improved=generation)
                self.next_id += 1
                self.species[target.id] = target
                reps.append((target, x))
            target.members.append(g)
        for s, _ in reps:
            for g in s.members:
                g.species = s.id

    def _speciate_loop(self, genomes: Sequence[Genome], generation: int, cfg: SpeciesConfig) -> None:
        order = list(self.species.values())
        for g in genomes:
            home = self.species.get(g.species) if g.species is not None else None
            target = None
            if home is not None and home.representative is not None and \
                    compatible(g, home.representative, cfg, self.threshold):
                target = home
            else:
                for s in order:
                    if s is not home and s.representative is not None and \
                            compatible(g, s.representative, cfg, self.threshold):
                        target = s
                        break
            if target is None:
                target = Species(self.next_id, generation, g, last_improved=generation)
                self.next_id += 1
                self.species[target.id] = target
                order.append(target)
            target.members.append(g)
            g.species = target.id
