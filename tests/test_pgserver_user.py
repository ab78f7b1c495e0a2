"""The throwaway server also works for a normal user (the tests usually run as root)."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import os, psycopg
    from schema_wiki.replay.pgserver import ThrowawayPostgres
    with ThrowawayPostgres() as pg:
        with psycopg.connect(pg.conninfo) as conn:
            conn.execute("CREATE TABLE t (id int)")
        print(os.getuid(), pg.run_as, pg.version, pg.data_dir, sep="|")
        data = pg.data_dir
    print(os.path.exists(data))
    """
)


def psycopg_path() -> str:
    import psycopg

    return str(Path(psycopg.__file__).parent)


def _readable_by(uid: int, path: Path) -> bool:
    probe = subprocess.run(["test", "-r", str(path)], user=uid, check=False, capture_output=True)
    return probe.returncode == 0


ROOT = Path(__file__).resolve().parents[1]
# The test interpreter may live in root's private home; the system one of the same
# minor version can use the virtual environment's packages.
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")


@pytest.mark.skipif(os.geteuid() != 0, reason="as a normal user the whole suite proves this")
def test_a_normal_user_runs_its_own_server() -> None:
    nobody = pwd.getpwnam("nobody").pw_uid
    site_packages = Path(psycopg_path()).parent
    python = Path(sys.executable)
    if not _readable_by(nobody, python):
        python = SYSTEM_PYTHON
    if not python.exists() or not _readable_by(nobody, python):
        pytest.skip(f"no Python interpreter that nobody can run ({python})")
    if not _readable_by(nobody, site_packages / "psycopg" / "__init__.py") or not _readable_by(
        nobody, ROOT / "plugins" / "schema_wiki" / "__init__.py"
    ):
        pytest.skip("this checkout is not readable by nobody (a private home directory)")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/tmp",
        "PYTHONPATH": f"{ROOT / 'plugins'}:{site_packages}",
    }
    result = subprocess.run(
        [str(python), "-c", SCRIPT],
        user=nobody,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().splitlines()
    uid, run_as, version, _data = first.split("|")
    assert int(uid) == nobody
    assert run_as == "None"  # no user switch needed: it is already unprivileged
    assert int(version) >= 13
    assert second == "False"  # its files are gone afterwards
