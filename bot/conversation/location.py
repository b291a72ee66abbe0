"""A location she shared on WhatsApp, read as her city: the nearer of the programme's two
cities, or "virtual" when she is far from both (then only virtual courses fit). Pure.
"""

from __future__ import annotations

import math

VIRTUAL = "virtual"
# City centres (the programme's cities; names as the courses in content/ spell them).
CITIES = {
    "Santa Marta": (11.2408, -74.1990),
    "Barranquilla": (10.9685, -74.7813),
}
# Farther than this from both (km), in-person courses are out of reach: Ciénaga (~30 km from
# Santa Marta) and Soledad (~10 km from Barranquilla) are near; Cartagena (~100 km) is not.
NEAR_KM = 60.0
_EARTH_KM = 6371.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_KM * math.asin(math.sqrt(h))


def city_near(latitude: str, longitude: str) -> str | None:
    """Her city for a shared location; None when the coordinates are not coordinates."""
    try:
        point = (float(latitude), float(longitude))
    except ValueError:
        return None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180) or not all(
        math.isfinite(x) for x in point
    ):
        return None
    name, km = min(((n, distance_km(point, c)) for n, c in CITIES.items()), key=lambda x: x[1])
    return name if km <= NEAR_KM else VIRTUAL
