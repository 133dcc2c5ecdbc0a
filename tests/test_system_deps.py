"""`make run` and `make test` on a fresh machine: scripts/system_deps.sh installs what the system
lacks with apt-get where it may (as root, as .ci/run runs), and otherwise prints the one
command to run (issue 9, item 21)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system_deps.sh"


def fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def run(tmp_path: Path, *args: str, uid: int, sudo: bool = False, **env) -> subprocess.CompletedProcess:
    """The script on a machine without Chromium, as user `uid`; apt-get (and sudo) are stand-ins
    that write down how they were called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "calls"
    fake(bin_dir, "id", f'[ "$1" = "-u" ] && echo {uid}')
    fake(bin_dir, "apt-get", f'echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> {log}')
    fake(bin_dir, "sudo", f'[ "$1" = "-n" ] && shift; {"" if sudo else "exit 1;"} "$@"')
    environ = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "CHROMIUM": str(tmp_path / "no-chromium"),
        **env,
    }
    return subprocess.run(["sh", str(SCRIPT), *args], env=environ, capture_output=True, text=True)


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls"
    return log.read_text().splitlines() if log.exists() else []


def test_as_root_it_installs_chromium_with_apt_without_asking(tmp_path):
    done = run(tmp_path, "test", uid=0)
    assert done.returncode == 0, done.stderr
    assert "installing" in done.stdout and "chromium" in done.stdout
    update, install = calls(tmp_path)
    assert update.startswith("apt-get update")
    assert install.startswith("apt-get install -y -qq") and " chromium" in install
    assert install.endswith("DEBIAN_FRONTEND=noninteractive")


def test_with_passwordless_sudo_it_installs_too(tmp_path):
    done = run(tmp_path, "test", uid=1000, sudo=True)
    assert done.returncode == 0, done.stderr
    assert any(" chromium" in call for call in calls(tmp_path))


def test_otherwise_it_prints_the_one_command_and_fails(tmp_path):
    done = run(tmp_path, "test", uid=1000)
    assert done.returncode == 1
    assert calls(tmp_path) == []
    assert "sudo apt-get install -y" in done.stderr and "chromium" in done.stderr
    assert "BROWSER_TESTS=0 make test" in done.stderr


def test_make_run_does_not_need_chromium(tmp_path):
    done = run(tmp_path, "run", uid=1000)
    assert done.returncode == 0, done.stderr
    assert calls(tmp_path) == []


def test_both_commands_run_it_first():
    # as a user types them, also when this suite itself runs under `make test` (whose variables
    # and sub-make level would reach the make started here)
    clean = {
        k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BROWSER_TESTS")
    }

    def planned(*args: str) -> list[str]:
        out = subprocess.run(
            ["make", "--no-print-directory", "-n", *args],
            cwd=ROOT,
            env=clean,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.splitlines()

    assert planned("test")[0] == "sh scripts/system_deps.sh test"
    assert planned("test", "BROWSER_TESTS=0")[0] == "sh scripts/system_deps.sh run"
    assert planned("run")[0] == "sh scripts/system_deps.sh run"
    assert "sh scripts/system_deps.sh test" in (ROOT / ".ci" / "run").read_text()
