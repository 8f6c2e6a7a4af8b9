"""run.py — runs every tests/integration/test_*.py and ends with "N passed, N failed"."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
passed = result.testsRun - failed - len(result.skipped)
if result.skipped:
    # A skipped test hides a missing check: count it as failed.
    failed += len(result.skipped)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
