"""Places: tenant boundaries (GeoJSON polygons), which tenant a point falls in, how far
apart two points are, and the rounding the public map shows.

Boundaries are read with shapely rather than a hand-written ray cast: a boundary comes
from outside (a city's GIS, a tenant-system event), and shapely checks what such input
gets wrong (rings that cross themselves, holes outside their shell, multipolygons with
islands) and answers containment on prepared geometry quickly. Distances on the ground
are great-circle (haversine) in metres, which shapely does not do (its distances are
planar, in degrees).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import shapely
import shapely.errors
import shapely.validation
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from mgov_common.errors import InvalidArgument

EARTH_RADIUS_M = 6_371_008.8
# 0.001° is 111 m of latitude and about 96 m of longitude at Hangzhou's 30° N: "about 100 m".
PUBLIC_DECIMALS = 3
MAX_VERTICES = 20_000
POLYGON_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class LatLng:
    lat: float
    lng: float

    @classmethod
    def checked(cls, lat: float, lng: float, field: str = "location") -> "LatLng":
        if not (math.isfinite(lat) and math.isfinite(lng)) or not -90 <= lat <= 90 or not -180 <= lng <= 180:
            raise InvalidArgument("latitude is -90..90 and longitude -180..180 (WGS 84 degrees)", code="invalid_location", field=field)
        return cls(lat, lng)

    def rounded(self, decimals: int = PUBLIC_DECIMALS) -> "LatLng":
        """The point as the public sees it: snapped to a grid of about 100 m."""
        return LatLng(round(self.lat, decimals), round(self.lng, decimals))


def distance_m(a: LatLng, b: LatLng) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lng - a.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def box_around(p: LatLng, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lng, max lng) containing every point within `radius_m`:
    a cheap index-friendly pre-filter before the exact distance."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlng = dlat / max(0.01, math.cos(math.radians(p.lat)))
    return p.lat - dlat, p.lat + dlat, p.lng - dlng, p.lng + dlng


def parse_boundary(geojson: Mapping[str, Any], field: str = "geometry") -> BaseGeometry:
    """A GeoJSON Polygon or MultiPolygon (lng, lat order) that is valid and not empty."""
    if not isinstance(geojson, Mapping) or geojson.get("type") not in POLYGON_TYPES:
        raise InvalidArgument("a boundary is a GeoJSON Polygon or MultiPolygon", code="invalid_boundary", field=field)
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.ShapelyError) as exc:
        raise InvalidArgument(f"the boundary is not readable GeoJSON: {exc}", code="invalid_boundary", field=field) from None
    if geom.is_empty or shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise InvalidArgument(f"a boundary has 4 to {MAX_VERTICES} vertices", code="invalid_boundary", field=field)
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise InvalidArgument("boundary coordinates are [longitude, latitude] in degrees", code="invalid_boundary", field=field)
    if not geom.is_valid:
        raise InvalidArgument(f"the boundary is not a valid polygon ({shapely.validation.explain_validity(geom)})",
                              code="invalid_boundary", field=field)
    shapely.prepare(geom)
    return geom


@dataclass(frozen=True)
class Boundary:
    tenant_id: str
    depth: int  # how far below the province the tenant sits: the deepest containing tenant wins
    geometry: BaseGeometry

    def contains(self, p: LatLng) -> bool:
        return bool(self.geometry.covers(Point(p.lng, p.lat)))


def locate(point: LatLng, boundaries: Iterable[Boundary]) -> str | None:
    """The tenant whose boundary holds the point: the deepest (a county before its city);
    None when no boundary holds it."""
    hits = [b for b in boundaries if b.contains(point)]
    if not hits:
        return None
    return max(hits, key=lambda b: (b.depth, -b.geometry.area)).tenant_id
