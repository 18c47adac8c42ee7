import pytest

# pytest rewrites `assert` statements (a failing one shows the values it compared) in conftest files and test
# modules only. `checked_page` asserts on what the page logged and requested, as it did when it lived in the
# widget tests' conftest.
pytest.register_assert_rewrite("tests.e2e.browser")
