#!/usr/bin/env python3
"""Whole-process comparison of hostnet with Ansible, netplan and nmstate on
the benchmark scenario (benches/src/scenario.rs), written into
docs/performance.md between its `compare` markers.

For each N it times, as separate processes, a warm-up run and then RUNS
runs, and reports the median wall time, the median CPU time (user + system,
from wait4, which the machine's other load does not inflate) and the peak
RSS (`/usr/bin/time -f %M`, one extra run):

- hostnet: `check`, `plan` (full diff output, against the example Gentoo
  host), `apply --root` (a fresh copy of that host each run), a no-op
  re-run (`apply` on the converged copy), and `plan` on the example Ubuntu
  host (systemd-networkd, ufw);
- the floor: `floor N ROOT` (benches/src/floor.rs), the same Gentoo files
  rendered with format! and compared, with their diffs printed;
- Ansible: `ansible-playbook --check --diff`, apply and a no-op re-run of
  ../shared/bench/ansible-anchor/site.yml (ansible-core from PyPI in a venv);
- netplan: `netplan generate --root-dir` for the bridge part (Debian's
  netplan.io);
- nmstate: `nmstatectl gc` for the bridge part (built with
  `cargo install nmstatectl --locked --no-default-features --features gen_conf`
  into TOOLS, outside the repository).

Tools missing under TOOLS are installed there first (venv + pip, cargo
install); netplan comes from apt. Nothing is written outside TOOLS, a temp
directory and the output file. No timing is asserted anywhere.

    python3 benches/compare.py [--sizes 1,10,100,1000,10000] [--runs 5]
        [--ansible-sizes 1,10,100,1000,10000] [--tools /tmp/hostnet-bench-tools]
        [--out docs/performance.md]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ANCHOR = SHARED / "bench" / "ansible-anchor"
BEGIN = "<!-- BEGIN compare (written by benches/compare.py) -->"
END = "<!-- END compare -->"


def run_once(argv, cwd=None):
    """Wall and CPU seconds of one run; fails loudly on a non-zero exit."""
    argv = [str(arg) for arg in argv]
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            sys.exit(f"compare: `{' '.join(argv)}` exited with {child.returncode}:\n{message}")
    return wall, usage.ru_utime + usage.ru_stime


def peak_rss(argv, cwd=None):
    """Peak RSS in KiB, as `/usr/bin/time -f %M` reports it."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", out.name, *map(str, argv)],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return int(out.read().split()[-1])


def measure(argv, runs, setup=None, cwd=None):
    """Median wall and CPU of `runs` runs after a warm-up, and the peak RSS."""
    walls, cpus = [], []
    for index in range(runs + 1):
        if setup:
            setup()
        wall, cpu = run_once(argv, cwd)
        if index:
            walls.append(wall)
            cpus.append(cpu)
    if setup:
        setup()
    return statistics.median(walls), statistics.median(cpus), peak_rss(argv, cwd)


def copy_tree(source, target):
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)


def tools(directory):
    """ansible-playbook, netplan and nmstatectl, installed if missing."""
    directory.mkdir(parents=True, exist_ok=True)
    venv = directory / "ansible-venv"
    ansible = venv / "bin" / "ansible-playbook"
    if not ansible.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "ansible-core"], check=True)
    nmstatectl = directory / "bin" / "nmstatectl"
    if not nmstatectl.exists():
        subprocess.run(
            ["cargo", "install", "nmstatectl", "--locked", "--no-default-features", "--features", "gen_conf",
             "--root", str(directory)],
            check=True,
            env={**os.environ, "CARGO_TARGET_DIR": str(directory / "target")},
        )
    netplan = shutil.which("netplan")
    if netplan is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "netplan.io"], check=True)
        netplan = shutil.which("netplan")
    return ansible, netplan, nmstatectl


def version(argv):
    result = subprocess.run(argv, capture_output=True, text=True)
    return (result.stdout or result.stderr).strip().splitlines()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,1000,10000")
    parser.add_argument("--ansible-sizes", default=None, help="sizes Ansible runs at (default: --sizes)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tools", type=Path, default=Path("/tmp/hostnet-bench-tools"))
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    ansible_sizes = [int(size) for size in (args.ansible_sizes or args.sizes).split(",")]
    runs = args.runs

    subprocess.run(
        ["cargo", "build", "--release", "--locked", "-q", "-p", "hostnet", "-p", "hostnet-bench"], cwd=REPO, check=True
    )
    release = REPO / "target" / "release"
    hostnet, scenario, floor = release / "hostnet", release / "scenario", release / "floor"
    ansible, netplan, nmstatectl = tools(args.tools)

    rows = {}  # (size, label) -> (wall, cpu, rss, command)
    with tempfile.TemporaryDirectory(prefix="hostnet-compare-") as temp:
        work = Path(temp)
        gentoo, ubuntu = REPO / "examples" / "gentoo-host", REPO / "examples" / "ubuntu-host"
        for size in sizes:
            case = work / str(size)
            subprocess.run([str(scenario), str(size), str(case)], check=True)
            site = case / "site.yml"
            fresh, converged = case / "fresh", case / "converged"

            def record(label, argv, setup=None, cwd=None, shown=None):
                wall, cpu, rss = measure(argv, runs, setup, cwd)
                rows[size, label] = (wall, cpu, rss, shown or " ".join(map(str, argv)))
                print(f"{size:>6} {label:<28} {wall * 1000:10.2f} ms {cpu * 1000:10.2f} ms cpu {rss / 1024:7.1f} MB",
                      flush=True)

            record("process start (/bin/true)", ["/bin/true"], shown="/bin/true")
            record("hostnet check", [hostnet, "check", site, "--root", gentoo],
                   shown=f"hostnet check site.yml --root examples/gentoo-host")
            record("hostnet plan", [hostnet, "plan", site, "--root", gentoo],
                   shown=f"hostnet plan site.yml --root examples/gentoo-host")
            record("hostnet plan (systemd)", [hostnet, "plan", site, "--root", ubuntu],
                   shown=f"hostnet plan site.yml --root examples/ubuntu-host")
            record("hostnet apply", [hostnet, "apply", site, "--root", fresh],
                   setup=lambda: copy_tree(gentoo, fresh),
                   shown="hostnet apply site.yml --root COPY-OF-gentoo-host")
            copy_tree(gentoo, converged)
            run_once([hostnet, "apply", site, "--root", converged])
            record("hostnet no-op re-run", [hostnet, "apply", site, "--root", converged],
                   shown="hostnet apply site.yml --root CONVERGED-COPY")
            record("floor", [floor, size, gentoo], shown=f"target/release/floor {size} examples/gentoo-host")
            netplan_root = case / "netplan-root"
            (netplan_root / "etc" / "netplan").mkdir(parents=True)
            netplan_file = netplan_root / "etc" / "netplan" / "90-bench.yaml"
            shutil.copy(case / "netplan.yaml", netplan_file)
            netplan_file.chmod(0o600)
            record("netplan generate", [netplan, "generate", "--root-dir", netplan_root],
                   shown="netplan generate --root-dir ROOT")
            record("nmstatectl gc", [nmstatectl, "gc", "-q", case / "nmstate.yml"],
                   shown="nmstatectl gc -q nmstate.yml")
            if size in ansible_sizes:
                variables = case / "vars.yml"
                subprocess.run([sys.executable, ANCHOR / "gen_vars.py", str(size), variables], check=True)
                ansible_root = case / "ansible-root"

                def ansible_fresh():
                    if ansible_root.exists():
                        shutil.rmtree(ansible_root)
                    for directory in ["etc/ufw", "etc/conf.d", "etc/sysctl.d", "var/lib/iptables"]:
                        (ansible_root / directory).mkdir(parents=True)
                    shutil.copy(ANCHOR / "files" / "before.rules", ansible_root / "etc" / "ufw")

                # The venv's own Python, so Ansible does not go looking for one.
                python = ansible.parent / "python"
                base = [ansible, "-i", "localhost,", ANCHOR / "site.yml", "-e", f"vars_file={variables}",
                        "-e", f"target_root={ansible_root}", "-e", f"ansible_python_interpreter={python}"]
                shown = (f"ansible-playbook -i localhost, site.yml -e vars_file=vms_{size}.yml -e target_root=ROOT "
                         "-e ansible_python_interpreter=VENV/bin/python")
                ansible_fresh()
                record("ansible --check --diff", [*base, "--check", "--diff"], shown=f"{shown} --check --diff")
                record("ansible apply", base, setup=ansible_fresh, shown=shown)
                ansible_fresh()
                run_once(base)
                record("ansible no-op re-run", base, shown=f"{shown} (converged ROOT)")

    versions = {
        "hostnet": version([hostnet, "--version"]),
        "ansible": version([ansible, "--version"]),
        "netplan": subprocess.run(["dpkg-query", "-W", "-f", "netplan.io ${Version}", "netplan.io"],
                                  capture_output=True, text=True).stdout,
        "nmstatectl": version([nmstatectl, "--version"]),
    }
    write(args.out, rows, sizes, runs, versions)


def ms(seconds):
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def ratio(a, b):
    return f"{a / b:,.1f}×" if b else "–"


def write(out, rows, sizes, runs, versions):
    lines = [
        BEGIN,
        "",
        f"Measured by `python3 benches/compare.py {' '.join(sys.argv[1:])}` on "
        f"{time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores; {', '.join(v for v in versions.values() if v)}). "
        f"Median of {runs} runs after a warm-up; CPU is user + system time; "
        "peak RSS from `/usr/bin/time -f %M`. The ratio column is the row's median wall time over "
        "`hostnet plan`'s at the same N, in wall time and in CPU time (above 1×: hostnet's plan is faster). "
        "The machine's other load inflates wall times of a few milliseconds (see `/bin/true`); CPU time is "
        "the steadier figure there.",
        "",
        "| N | command | median wall | median CPU | peak RSS | vs `hostnet plan` (wall / CPU) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for size in sizes:
        plan = rows.get((size, "hostnet plan"))
        for (row_size, label), (wall, cpu, rss, command) in rows.items():
            if row_size != size:
                continue
            vs = f"{ratio(wall, plan[0])} / {ratio(cpu, plan[1])}" if plan and label != "hostnet plan" else ""
            lines.append(f"| {size:,} | `{command}` | {ms(wall)} | {ms(cpu)} | {rss / 1024:,.1f} MB | {vs} |")
    lines += ["", "Targets (issue #16), from the rows above:", ""]

    def get(size, label, index=0):
        row = rows.get((size, label))
        return row[index] if row else None

    def verdict(value, bound, above):
        met = value >= bound if above else value <= bound
        return f"{value:,.2f} ({'met' if met else 'NOT met'})"

    def target(text, a_label, b_label, bound, above=True, a_size=1000, b_size=1000):
        a, b = rows.get((a_size, a_label)), rows.get((b_size, b_label))
        if not a or not b:
            lines.append(f"- {text}: not measured")
            return
        lines.append(
            f"- {text} (target {'≥' if above else '≤'} {bound:g}): wall {verdict(a[0] / b[0], bound, above)}, "
            f"CPU {verdict(a[1] / b[1], bound, above)}"
        )

    for label, bound in [("ansible --check --diff", 200), ("netplan generate", 20), ("nmstatectl gc", 1)]:
        target(f"N = 1,000: {label} / hostnet plan", label, "hostnet plan", bound)
    target("N = 1,000: hostnet plan / floor", "hostnet plan", "floor", 3, above=False)
    target("N = 1,000: no-op re-run / plan", "hostnet no-op re-run", "hostnet plan", 1, above=False)
    rss = get(1000, "hostnet plan", 2)
    if rss:
        lines.append(f"- N = 1,000: peak RSS of hostnet plan (target < 20 MB): {rss / 1024:,.1f} MB "
                     f"({'met' if rss / 1024 < 20 else 'NOT met'})")
    for label in ["hostnet check", "hostnet plan", "hostnet apply"]:
        target(f"growth of `{label}`, N = 10,000 / N = 1,000", label, label, 12, above=False, a_size=10000)
    lines += ["", END]
    text = out.read_text() if out.exists() else ""
    block = "\n".join(lines)
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
