"""The one error the simulator raises: a site or call it cannot simulate, in words a user can act on."""


class SimulationError(ValueError):
    """A bus, device or event the simulator refuses: not on loopback, no serial port, wrong kind of device."""
