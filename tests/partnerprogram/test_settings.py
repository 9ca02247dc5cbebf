import os
import subprocess
import sys

from django.conf import settings

ROOT = settings.BASE_DIR


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly these variables set."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import partnerprogram.config.settings as s; print(s.DEBUG)"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_settings_refuse_debug_off_without_secret_key():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_start_with_debug_off_and_a_secret_key():
    result = load_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_settings_reject_a_boolean_they_cannot_read():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_kpi_settings_have_the_products_defaults():
    assert settings.KPI_EXEMPLARY_PERCENT == 90
    assert settings.KPI_GOOD_STANDING_PERCENT == 70
    assert settings.KPI_TARGET_LEVEL == ""
    assert settings.FISCAL_YEAR_START_MONTH == 1
    assert settings.AT_RISK_WINDOW_DAYS == 90


def test_settings_read_fiscal_year_start_from_the_environment():
    environment = {**os.environ, "FISCAL_YEAR_START_MONTH": "13"}
    result = subprocess.run(
        [sys.executable, "-c", "import partnerprogram.config.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert "FISCAL_YEAR_START_MONTH must be between 1 and 12" in result.stderr
