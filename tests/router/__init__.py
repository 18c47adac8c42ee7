import pytest

# pytest rewrites `assert` statements (a failing one shows the values it compared) in conftest files and test
# modules only. The steps tests take through the test client assert on the router's answers as well, as they
# did when they lived in this directory's conftest.
pytest.register_assert_rewrite("tests.router.client_steps")
