"""The emulator's Keymint half: the API's rules (:mod:`.service`), its endpoints
(:mod:`.endpoints`), its state in SQLite (:mod:`.store`, :mod:`.records`), the WSGI app
(:mod:`.app`) and the :class:`~license_guard.emulator.Emulator` object (:mod:`.emulator`).

The serving core both halves share (server, transport, faults, request log, control) lives one
level up, in :mod:`license_guard.emulator`.
"""
