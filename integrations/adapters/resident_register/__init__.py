"""Resident register (Einwohnerregister): eCH-0044 identification, eCH-0020 moveIn/moveOut/move.

Keys: ``resident_register.identify``, ``resident_register.residence``, ``resident_register.move_in``,
``resident_register.move_out``, ``resident_register.address_change``. Configuration:
``settings.INTEGRATIONS["resident_register"]``.
"""
