"""What a campaign counts: tries, acceptances, exceptions outside the LicenseError tree."""

from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Tally"]

#: How many examples of each kind of finding are kept (the counts are always complete).
EXAMPLES = 5


@dataclass
class Tally:
    """The counts of one campaign, or of one chunk of it (``merge`` adds chunks up)."""

    name: str
    tries: int = 0
    #: Answer campaigns: how many mutated answers reached the client (a try sends one or more).
    answers: int = 0
    #: A mutation that happened to reproduce the original: not a try, not counted.
    skipped: int = 0
    #: A mutated lease or answer that licensed the app with facts the real server did not give.
    acceptances: int = 0
    #: Exceptions that are not LicenseError subclasses (must be 0).
    foreign: int = 0
    #: Tries that ended licensed with exactly the original facts (allowed; reported).
    licensed_unchanged: int = 0
    #: Keymint only: an unsigned answer rewritten to another well-formed value (out of reach by
    #: design: Keymint does not sign its answers, TLS is what protects them).
    well_formed_lies: int = 0
    #: Exceptions in the fuzzer's own mutators (must be 0 for the figures to stand).
    harness_errors: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    accepted_examples: list[str] = field(default_factory=list)
    foreign_examples: list[str] = field(default_factory=list)
    lie_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def outcome(self, name: str) -> None:
        self.outcomes[name] += 1

    def accept(self, description: str) -> None:
        self.acceptances += 1
        if len(self.accepted_examples) < EXAMPLES:
            self.accepted_examples.append(description)

    def lie(self, description: str) -> None:
        self.well_formed_lies += 1
        if len(self.lie_examples) < EXAMPLES:
            self.lie_examples.append(description)

    def foreign_exception(self, exc: BaseException, description: str) -> None:
        self.foreign += 1
        self.outcome(f"FOREIGN {type(exc).__name__}")
        if len(self.foreign_examples) < EXAMPLES:
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [f for f in frames if "license_guard" in f.filename]
            where = (ours[-2:] if ours else []) + frames[-2:]
            trail = " <- ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}" for f in where)
            text = str(exc)[:200]
            self.foreign_examples.append(
                f"{type(exc).__name__}: {text} [{trail}] after {description}"
            )

    def harness_error(self, exc: BaseException, description: str) -> None:
        self.harness_errors += 1
        if len(self.foreign_examples) < EXAMPLES:
            self.foreign_examples.append(f"FUZZER BUG {type(exc).__name__}: {exc} in {description}")

    def merge(self, other: Tally) -> None:
        self.tries += other.tries
        self.answers += other.answers
        self.skipped += other.skipped
        self.acceptances += other.acceptances
        self.foreign += other.foreign
        self.harness_errors += other.harness_errors
        self.licensed_unchanged += other.licensed_unchanged
        self.well_formed_lies += other.well_formed_lies
        self.outcomes.update(other.outcomes)
        for mine, theirs in (
            (self.accepted_examples, other.accepted_examples),
            (self.foreign_examples, other.foreign_examples),
            (self.lie_examples, other.lie_examples),
        ):
            mine.extend(theirs[: max(0, EXAMPLES - len(mine))])
        self.seconds = max(self.seconds, other.seconds)

    def report(self, wall_seconds: float) -> str:
        rate = self.tries / wall_seconds if wall_seconds > 0 else 0.0
        lines = [
            f"{self.name}: {self.tries:,} tries in {wall_seconds:.1f} s ({rate:,.0f}/s), "
            f"acceptances {self.acceptances}, exceptions outside LicenseError {self.foreign}",
            *([f"  mutated answers delivered: {self.answers:,}"] if self.answers else []),
            f"  licensed with the original facts: {self.licensed_unchanged:,}; "
            f"mutations equal to the original (skipped): {self.skipped:,}",
        ]
        if self.harness_errors:
            lines.append(f"  FUZZER BUGS (the figures do not stand): {self.harness_errors}")
        if self.well_formed_lies:
            lines.append(
                f"  Keymint well-formed rewrites taken (unsigned API, by design): "
                f"{self.well_formed_lies:,}"
            )
        top = ", ".join(f"{name} {count:,}" for name, count in self.outcomes.most_common(8))
        lines.append(f"  outcomes: {top}")
        for title, examples in (
            ("ACCEPTED", self.accepted_examples),
            ("FOREIGN", self.foreign_examples),
            ("well-formed rewrite", self.lie_examples),
        ):
            lines += [f"  {title}: {example}" for example in examples]
        return "\n".join(lines)
