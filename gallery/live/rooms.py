"""Socket.IO rooms: built only here."""


def station_room(token: str) -> str:
    """Every phone at a station: its new notes and changes to them."""
    return f"station:{token}"


def wall_room(code: str) -> str:
    """The workshop's projected walls: everything, the dot tallies included."""
    return f"wall:{code}"


def workshop_room(code: str) -> str:
    """Every phone and station display of a workshop: phase and rotation changes."""
    return f"workshop:{code}"


def all_walls_room() -> str:
    """Every facilitator's wall on this server: warnings about the server itself."""
    return "walls"
