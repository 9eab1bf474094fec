"""The license_guard benchmark harness: how much the guard costs an app that embeds it.

Seven figures, each a median with its spread over repeated runs, compared where it makes sense
with a baseline measured in the same rounds: the gate's overhead per call, a cold start with a
cached lease, the host ID, an activation round trip, a fleet's load on the server, resident
memory, and the start of each ``license-guard`` command.
Run ``python -m benchmarks`` (full) or ``python -m benchmarks --quick``; see
docs/performance.md for the latest figures and what they mean.
"""
