"""RESULTS.md section: weight evolution against PyGAD + TorchGA (benchmarks/weight_evolution.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, json_line, load, not_measured, num, provenance, table

ORDER = 70
TITLE = "Weight evolution: topoevo's batched GA vs PyGAD 3.9 + TorchGA; evolution vs Adam"
COMMAND = "python benchmarks/weight_evolution.py"


def render(results_dir: Path) -> str:
    d = load(results_dir, "weight_evolution")
    if d is None:
        return not_measured(TITLE, COMMAND, "weight_evolution")
    c = load(results_dir, "weight_evolution_classifier")  # a later re-measurement of the classifier part alone
    cls = c["classifier"] if c is not None else d.get("classifier")
    rows = []
    if "cartpole" in d:
        r = d["cartpole"]
        rows.append(["CartPole-v1, 4-16-16-2 tanh MLP", "1000 x 10", num(r["topoevo_evals_per_s"], 0),
                     num(r["pygad_evals_per_s"], 1), f"**{r['topoevo_evals_per_s'] / r['pygad_evals_per_s']:.1f}x**",
                     num(r["topoevo_fitness"], 1), num(r["pygad_fitness"], 1), "-", "-"])
    if cls is not None:
        rows.append(["wine, 13-16-3 tanh MLP", "100 x 50", num(cls["topoevo_evals_per_s"], 0),
                     num(cls["pygad_evals_per_s"], 0),
                     f"**{cls['topoevo_evals_per_s'] / cls['pygad_evals_per_s']:.1f}x**",
                     f"{cls['topoevo_fitness']:.2g}", f"{cls['pygad_fitness']:.2g}",
                     num(cls.get("topoevo_test_acc"), 3), num(cls.get("pygad_test_acc"), 3)])
    acc_note = ""
    if cls is not None and cls.get("pygad_test_acc") is not None:
        better = "higher" if cls["pygad_test_acc"] > cls["topoevo_test_acc"] else \
            "equal" if cls["pygad_test_acc"] == cls["topoevo_test_acc"] else "lower"
        acc_note = (f"On wine PyGAD's champion has the {'higher' if better == 'higher' else better} test accuracy "
                    f"({cls['pygad_test_acc']:.3f} against topoevo's {cls['topoevo_test_acc']:.3f}, 45 test "
                    f"samples: one sample is 0.022) although topoevo's training loss is lower: the loss, not test "
                    f"accuracy, is what both GAs optimise.")
    classifier_source = f"\n\nClassifier row: `{command(c)}` -- {provenance(c)}" if c is not None else ""
    dg = d.get("digits")
    digits = ""
    if dg:
        digits = f"""
Digits (8x8), a 3,658-weight CNN, 60 s of wall time per learner, same network and initialisation: deep GA
(tasks/digits_cnn_ga.toml) {num(dg['ga_acc'], 3)}, OpenAI-ES (tasks/digits_cnn_es.toml) {num(dg['es_acc'], 3)},
Adam {num(dg['adam_acc'], 3)} test accuracy (450 held-out images).
"""
    return f"""## {TITLE}

`{command(d)}` -- {provenance(d)}{classifier_source}

Same network, population and generations on both sides; evaluations per second of wall time in the same process
(torch 1 thread both sides). CartPole fitness = the final champion's mean return over the same 100 held-out
episodes; classifier fitness = minus the training cross-entropy of the final champion; test accuracy on the 45
held-out wine samples. topoevo's classifier GA: 10 parents, uniform crossover, sigma 0.2 (tasks/wine_mlp_ga.toml);
PyGAD's: its defaults around TorchGA (steady-state selection of 20 parents, single-point crossover, random mutation
of 10% of the genes, one elite).

{table(["task", "pop x generations", "topoevo evals/s", "PyGAD evals/s", "ratio", "topoevo fitness",
        "PyGAD fitness", "topoevo test acc", "PyGAD test acc"], rows)}
{acc_note}
{digits}
{json_line(d)}
"""
