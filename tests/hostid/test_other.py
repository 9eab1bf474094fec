"""Other platforms (BSD...): py-machineid's id()."""

from __future__ import annotations

import machineid
import pytest

from license_guard.hostid import PyMachineIdSource
from license_guard.hostid.other import py_machineid

from .contract import IdentitySourceContract

HOSTID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


class TestContract(IdentitySourceContract):
    @pytest.fixture
    def source(self) -> PyMachineIdSource:
        return PyMachineIdSource(read_id=lambda: HOSTID)


def test_reads_what_the_injected_reader_returns() -> None:
    assert PyMachineIdSource(read_id=lambda: HOSTID).read() == HOSTID
    assert PyMachineIdSource(read_id=lambda: None).read() is None


def test_default_reader_is_py_machineid_on_this_machine() -> None:
    try:
        expected = machineid.id()
    except machineid.MachineIdNotFound:
        expected = None
    assert py_machineid() == (expected or None)
    assert PyMachineIdSource().read() == (expected or None)
