"""Mutation score of the metric layer and the engine step (mutmut, see tests/mutation/README.md).

    python -m tests.mutation.mutation report            counts, score and survivors of the last run
    python -m tests.mutation.mutation report --check    ... and fail on a survivor not accepted
    python -m tests.mutation.mutation sample            CI: run a seeded sample of mutants, fail on
                                                        a survivor not in tests/mutation/accepted.txt

mutmut keeps its state in mutants/ (gitignored): a copy of the tree in which every function
of the files named by [tool.mutmut] in pyproject.toml holds all its mutants, and one `.meta`
file per source file with the exit code of the tests against each mutant. `report` reads those.

`sample` generates the mutants (mutmut's own generation step), picks SAMPLE_SIZE of them with
random.Random(SEED) from the sorted mutants that the recorded run killed (recorded.txt, in
modules unchanged since that run), runs `mutmut run` on just those,
and fails if one of them is not killed (survived, no test reaches it, suspicious, not checked)
unless it is listed in tests/mutation/accepted.txt with the reason it is equivalent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutmut.__main__ import status_by_exit_code

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "mutants"
ACCEPTED = Path(__file__).resolve().parent / "accepted.txt"
SAMPLE_SIZE = 30
SEED = 20261126
# A mutant that makes the tests time out is detected too (an endless loop, say), but it is
# counted apart from the killed ones in the report.
DETECTED = {"killed", "timeout", "caught by type check", "segfault"}


def accepted() -> dict[str, str]:
    """Accepted survivors: `mutant-name  # reason` per line."""
    names: dict[str, str] = {}
    for line in ACCEPTED.read_text().splitlines():
        name, _, reason = line.partition("#")
        if name.strip():
            names[name.strip()] = reason.strip()
    return names


def results() -> dict[str, str]:
    """Status of every mutant of the last run, by mutant name."""
    return {name: status for name, (status, _) in located().items()}


def located() -> dict[str, tuple[str, Path]]:
    """Status and source file of every mutant of the last run, by mutant name."""
    found: dict[str, tuple[str, Path]] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        source = meta.relative_to(MUTANTS).with_suffix("")
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            found[name] = (status_by_exit_code[code], source)
    return found


def changes() -> int:
    """Markdown lines, one per undetected mutant: name, status, and the lines it changes."""
    from mutmut.__main__ import Config, get_diff_for_mutant

    os.chdir(ROOT)
    Config.ensure_loaded()
    ok = accepted()
    for name, (status, path) in sorted(located().items()):
        if status in DETECTED or status == "not checked":
            continue
        diff = get_diff_for_mutant(name, path=path).splitlines()
        change = " / ".join(
            f"`{line[0]} {line[1:].strip()}`" for line in diff[2:] if line[:1] in "+-" and line[1:].strip()
        )
        print(f"| `{name}` | {status} | {change} | {ok.get(name, 'NOT ACCEPTED')} |")
    return 0


def summary(found: dict[str, str], equivalent: set[str]) -> str:
    counts = Counter(found.values())
    total = len(found)
    checked = total - counts["not checked"]
    detected = sum(counts[s] for s in DETECTED)
    eq = len(equivalent & set(undetected(found)))  # not an unchecked one (its verdict may change)
    denominator = checked - eq
    score = f"{100 * detected / denominator:.1f} %" if denominator else "n/a"
    lines = [f"mutants: {total}, checked: {checked}"]
    lines += [f"  {status}: {n}" for status, n in sorted(counts.items())]
    lines.append(f"accepted as equivalent (of the undetected): {eq}")
    lines.append(f"score = detected / (checked - equivalent) = {detected} / {denominator} = {score}")
    return "\n".join(lines)


def undetected(found: dict[str, str]) -> dict[str, str]:
    return {n: s for n, s in sorted(found.items()) if s not in DETECTED and s != "not checked"}


def report(check: bool) -> int:
    found = results()
    if not found:
        print("no mutmut results in mutants/; run `make mutate` first")
        return 1
    ok = accepted()
    print(summary(found, set(ok)))
    missed = undetected(found)
    unexplained = [n for n in missed if n not in ok]
    for name in missed:
        print(f"{missed[name]:>10}  {name}  {'# ' + ok[name] if name in ok else '(NOT ACCEPTED)'}")
    if check and unexplained:
        print(f"{len(unexplained)} undetected mutant(s) not in {ACCEPTED.relative_to(ROOT)}")
        return 1
    return 0


def generate() -> list[str]:
    """All mutant names, generated by mutmut's own generation step (mutmut 3.7 internals)."""
    code = (
        "import os; os.environ['MUTANT_UNDER_TEST'] = 'mutant_generation'\n"
        "from mutmut import __main__ as m\n"
        "m.Config.ensure_loaded(); os.makedirs('mutants', exist_ok=True)\n"
        "m.copy_src_dir(); m.copy_also_copy_files(); m.setup_source_paths(); m.create_mutants(2)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return sorted(results())


def recorded() -> set[str]:
    """Mutants the recorded run found killed, in modules unchanged since (recorded.txt)."""
    lines = (Path(__file__).resolve().parent / "recorded.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def sample(size: int, seed: int) -> int:
    # Drawn from the mutants the recorded run killed: CI then fails exactly when a change
    # to the tests or the code lets one of them survive. Code not yet in the recorded run
    # (RESULTS.md says which) is measured by `make mutate`, not sampled blind.
    names = sorted(set(generate()) & recorded())
    chosen = sorted(random.Random(seed).sample(names, min(size, len(names))))
    print(f"{len(names)} recorded mutants; sample of {len(chosen)} with seed {seed}:")
    print("\n".join(f"  {n}" for n in chosen), flush=True)
    env = {**os.environ, "CSPULSE_HYPOTHESIS_PROFILE": "mutation"}
    mutmut = Path(sys.executable).with_name("mutmut")
    run = subprocess.run(
        [str(mutmut), "run", "--max-children", "2", *chosen],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    found = results()
    if run.returncode != 0:
        print(run.stdout[-4000:], run.stderr[-4000:], sep="\n")
        print(f"mutmut run failed (exit {run.returncode})")
        return 1
    ok = accepted()
    failed = 0
    for name in chosen:
        status = found.get(name, "not checked")
        verdict = "ok" if status in DETECTED else ("accepted" if name in ok else "FAIL")
        failed += verdict == "FAIL"
        print(f"{verdict:>8}  {status:<12} {name}")
    if failed:
        print(f"{failed} sampled mutant(s) not killed by the unit tests and not in accepted.txt;")
        print("add a test that kills it, or accept it there with the reason it is equivalent")
        return 1
    print("every sampled mutant is killed or accepted")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="summarise the last run")
    rep.add_argument("--check", action="store_true", help="fail on an undetected mutant not accepted")
    sub.add_parser("changes", help="markdown table rows: every undetected mutant and its change")
    smp = sub.add_parser("sample", help="run a seeded sample of mutants")
    smp.add_argument("--size", type=int, default=SAMPLE_SIZE)
    smp.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.command == "report":
        return report(args.check)
    if args.command == "changes":
        return changes()
    return sample(args.size, args.seed)


if __name__ == "__main__":
    sys.exit(main())
