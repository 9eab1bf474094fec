"""The fuzz campaign (``python -m benchmarks.fuzz``) at a small size, so CI runs it: mutated
leases and hostile server answers must never license the app on facts the server did not give,
and must only ever raise LicenseError subclasses. The full campaign's figures are in
docs/threat-model.md."""

from __future__ import annotations

import pytest

from benchmarks.fuzz import run_campaign
from benchmarks.fuzz.__main__ import main


@pytest.mark.slow
def test_quick_campaign_finds_no_acceptance_and_no_foreign_exception() -> None:
    campaign, _ = run_campaign(leases=2_000, answers=500, seed=20_300_115)

    assert sorted(campaign) == [
        "keygen answers",
        "keygen leases",
        "keymint answers",
        "keymint leases",
    ]
    for tally in campaign.values():
        assert tally.acceptances == 0, tally.report(tally.seconds)
        assert tally.foreign == 0, tally.report(tally.seconds)
        assert tally.harness_errors == 0, tally.report(tally.seconds)
    for kind in ("keymint", "keygen"):
        leases, answers = campaign[f"{kind} leases"], campaign[f"{kind} answers"]
        assert leases.tries == 1_000
        # every mutated lease was refused: none opened, even with its original facts
        assert leases.licensed_unchanged == 0
        assert leases.outcomes["LeaseError"] > 0
        assert answers.answers >= 250
        # the oracle had something to judge: some operations got through mutated answers
        # (unsigned headers, ignored fields), and some were refused for them
        assert any(name.endswith(" succeeded") for name in answers.outcomes)
        assert answers.outcomes["activate InvalidResponseError"] > 0


def test_command_line_reports_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--leases", "20", "--answers", "4", "--seed", "3", "--workers", "1"]) == 0

    out = capsys.readouterr().out
    assert "keymint leases: " in out
    assert "keygen answers: " in out
    assert "TOTAL findings (acceptances + foreign exceptions + fuzzer bugs): 0" in out
