"""Writes people.csv: 240 made-up people (sex, age, state, income) and their political leaning, drawn from a small
hand-written latent model (no real data, nothing copied). The classic 6-(10-10)-3 classification experiment of
tasks/people_steady_state_ga.toml reads it: sex becomes one -1/+1 input, age and income are scaled, the three states
are one-hot, and the leaning is the class. The last 40 rows are the held-out test set.

    python tasks/data/make_people.py            # rewrites tasks/data/people.csv (same bytes every time)
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

STATES = ("lakeland", "prairie", "coastal")
LEANINGS = ("conservative", "moderate", "liberal")


def people(n: int = 240, seed: int = 2016, noise: float = 0.35) -> list[tuple[str, int, str, float, str]]:
    """``n`` rows (sex, age, state, income in thousands, leaning). The leaning is the argmax of three logits (older
    and richer lean conservative, younger and poorer liberal; each state shifts the balance; sex a little), plus
    Gumbel noise of scale ``noise`` so that no classifier is perfect."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        sex = "M" if rng.random() < 0.5 else "F"
        age = int(rng.integers(18, 76))
        state = STATES[int(rng.integers(3))]
        income = round(float(np.clip(rng.normal(28 + 0.6 * age, 12), 8, 140)), 2)
        a, inc = (age - 46) / 16, (income - 55) / 15
        shift = {"lakeland": (0.4, 0.0, -0.4), "prairie": (0.8, -0.2, -0.6), "coastal": (-0.6, 0.0, 0.6)}[state]
        male = 1.0 if sex == "M" else -1.0
        z = np.array([1.4 * a + 0.8 * inc + 0.25 * male, 1.3 - 0.6 * abs(a) - 0.3 * abs(inc),
                      -1.4 * a - 0.8 * inc - 0.25 * male]) + shift
        z += noise * rng.gumbel(size=3)
        rows.append((sex, age, state, income, LEANINGS[int(np.argmax(z))]))
    return rows


def write(path: Path, rows: list[tuple[str, int, str, float, str]]) -> None:
    lines = ["sex,age,state,income,politics"] + [f"{s},{a},{st},{i:.2f},{p}" for s, a, st, i, p in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(Path(__file__).with_name("people.csv")))
    args = p.parse_args()
    write(Path(args.out), people())
    print(f"wrote {args.out}")
