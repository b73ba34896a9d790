"""Made-up sample data shipped with the tool, used by `auditor demo` and the tests."""

from pathlib import Path

ROOT = Path(__file__).parent
CLIENTS_CSV = ROOT / "clients.csv"
EXPORTS = ROOT / "exports"
