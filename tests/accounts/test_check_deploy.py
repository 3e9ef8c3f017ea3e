"""``tandem check --deploy`` is clean with production settings, e-mail and reset links included.

Run in a subprocess with only the environment a deployment would set, so the settings
are read as in production (the test settings would hide a warning).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TANDEM = Path(sys.executable).parent / "tandem"
PRODUCTION = {
    "TANDEM_DEBUG": "0",
    "TANDEM_HTTPS": "1",
    "TANDEM_SECRET_KEY": "production-secret-for-the-deploy-check-R7k2Qw9Zp4Lx8Vn3Ht6Jm1Bc5Gd0Fs",
    "TANDEM_HSTS_SECONDS": "31536000",
    "TANDEM_ALLOWED_HOSTS": "okr.example.com",
    "TANDEM_BASE_URL": "https://okr.example.com",
    "TANDEM_EMAIL_HOST": "smtp.example.com",
    "TANDEM_EMAIL_PORT": "587",
    "TANDEM_EMAIL_USER": "tandem",
    "TANDEM_EMAIL_PASSWORD": "mail-password",
    "TANDEM_EMAIL_STARTTLS": "1",
    "TANDEM_EMAIL_FROM": "Tandem <okr@example.com>",
}


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.sqlite3'}",
        "TANDEM_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [str(TANDEM), "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_check_deploy_reports_no_issues_with_production_settings(tmp_path):
    result = check_deploy(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_would_warn_without_hsts(tmp_path):
    # The check above can fail: the same settings without HSTS are reported.
    result = check_deploy(tmp_path, **{**PRODUCTION, "TANDEM_HSTS_SECONDS": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr
