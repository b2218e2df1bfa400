import pytest

from sandbox import SandboxPool


@pytest.fixture(scope="module")
def pool():
    p = SandboxPool(workers=2)
    yield p
    p.close()
