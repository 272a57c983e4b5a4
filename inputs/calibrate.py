#!/usr/bin/env python3
"""Base-year tonnage at the main crossings: the model's against published figures.

    python inputs/calibrate.py [workbook]          # default inputs/corridors.xlsx

Each flow's base volume (base_volume_kt, the base year) is put on its route in
today's network (no projects at all, not even committed ones), as the model
routes it (model.evaluate.today); a flow that takes its alternative today
(alt_cost_usd_per_t below its network cost) crosses nothing. The tonnage of
every crossing is the sum over the flows whose route uses it, both directions.
The published figures and their sources are in the table below (the S-numbers
are those of shared/data/corridor_facts.md, listed on the workbook's References
sheet); the gap is modelled / published - 1 against the range's mid-point.
"""
from __future__ import annotations

import sys
from pathlib import Path

from model.evaluate import today
from model.preprocess import prepare
from model.reader import read_workbook
from model.validate import validate

DEFAULT = Path(__file__).resolve().parent / "corridors.xlsx"

# crossing: (its segments, published low and high kt/yr, what was published, sources)
CROSSINGS = [
    ("Torkham", ("B_TKM_PK", "B_TKM_AF"), 3700, 4500,
     "205 export + 290 import trucks a day in Jul-Sep 2022 [S126] at ~25 t = 4.5 Mt; "
     "PKR 850 m of trade a day in 2025 [S123] at ~340 USD/t (A62) = 3.7 Mt", "S126;S123"),
    ("Chaman", ("B_CMN_PK", "B_CMN_AF"), 1700, 3300,
     "365 trucks a day, loaded and empty (c. 2020) [S124] at 25 t: 3.3 Mt if all loaded, "
     "1.7 Mt if half", "S124"),
    ("Hairatan-Termez", ("B_HRT_TMZ", "B_TMZ_HRT_RL"), 1900, 2700,
     "2.15 Mt in + 0.14 Mt out in the 10 months to Jan 2026, >1 Mt of it after Pakistan "
     "closed its crossings [S138]: ~1.9 Mt/yr before the closure, 2.7 with it", "S138"),
    ("Torghundi-Serhetabat", ("B_TRG_SRH", "B_SRH_TRG_RL"), 800, 800,
     "13,202 wagons in 2016 at ~60 t [S141]", "S141"),
    ("Aqina-Imamnazar", ("B_IMN_AQN",), 700, 700,
     "fuel and LPG 524 kt in 9 months, before 2021 [S143]", "S143"),
    ("Khunjerab", ("B_KJB", "B_KJB_RL"), 49, 80,
     "40.9 kt in Jan-Oct 2024 [S146] (~49 kt/yr); PRC customs 40-80 kt/yr [S147]",
     "S146;S147"),
    ("Torugart", ("B_TRU", "B_TRU_RL"), 1400, 2900,
     "144,500 vehicles in 2024 [S149] at 10-20 t a vehicle (China-Kyrgyz trade, not modelled)",
     "S149"),
    ("Irkeshtam", ("B_IRK",), 2400, 4700,
     "98,500 vehicles in Jan-Jun 2025 [S150] (~650 a day) at 10-20 t (China-Kyrgyz-Uzbek "
     "trade, not modelled)", "S150"),
    ("Sarakhs", ("B_SRX", "B_SRX_RL"), 1400, 2500,
     "rail 1.05 Mt in 5 months of 2024, 0.6 Mt of it transit [S152]: ~2.5 Mt/yr, ~1.4 Mt "
     "transit (Iran-Turkmen trade is not modelled)", "S152"),
]


def crossing_tonnage(path: Path) -> tuple[dict[str, float], float, float]:
    """(crossing -> modelled base-year kt/yr, kt on alternatives, total base kt)."""
    inst, _config, problems = validate(read_workbook(path))
    if inst is None:
        raise SystemExit("the workbook has input errors:\n" + "\n".join(map(str, problems)))
    prep = prepare(inst)
    ev = today(prep)
    seg_ids = [s.segment_id for s in inst.segments]  # State.segment indexes these
    out = {name: 0.0 for name, *_ in CROSSINGS}
    outside = 0.0
    for k, flow in enumerate(inst.flows):
        states = ev.route(prep, k)
        if not states:
            outside += flow.base_volume_kt
            continue
        used = {seg_ids[s.segment] for s in states}
        for name, segs, *_ in CROSSINGS:
            if used & set(segs):
                out[name] += flow.base_volume_kt
    return out, outside, sum(f.base_volume_kt for f in inst.flows)


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else DEFAULT
    modelled, outside, total = crossing_tonnage(path)
    print(f"{path.name}: base year, today's network; {total:,.0f} kt/yr in all, "
          f"{outside:,.0f} kt/yr on routes outside the network (alt_cost)\n")
    print("| crossing | modelled kt/yr | published kt/yr | gap | published figure | source |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for name, _segs, lo, hi, what, src in CROSSINGS:
        pub = f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"
        gap = modelled[name] / ((lo + hi) / 2) - 1
        print(f"| {name} | {modelled[name]:,.0f} | {pub} | {gap:+.0%} | {what} | {src} |")


if __name__ == "__main__":
    main(sys.argv[1:])
