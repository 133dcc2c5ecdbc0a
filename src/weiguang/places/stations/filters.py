"""The filters of the public station list: the page /stations/ and GET /api/v1/stations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self

import pydantic
from django.db.models import Q
from django.utils import timezone
from pydantic import Field

from weiguang.core.filters import FilterSchema

from ..models import Amenity, AmenityState, StationAmenity, StationKind

AmenityName = Literal[tuple(Amenity.values)]  # type: ignore[valid-type]


class StationFilter(FilterSchema):
    amenity: list[AmenityName] | None = Field(  # type: ignore[valid-type]
        None, description="Only stations where each of these is available now (repeat for several)"
    )
    kind: Literal[tuple(StationKind.values)] | None = None  # type: ignore[valid-type]
    lat: float | None = Field(None, ge=-90, le=90, description="Your latitude: nearest first (with lng)")
    lng: float | None = Field(None, ge=-180, le=180, description="Your longitude (with lat)")

    lookups: ClassVar[dict[str, str]] = {"kind": "kind"}

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> Self:
        """As FilterSchema's, with `amenity` repeated (?amenity=water&amenity=charging) and the
        position kept only when both of lat and lng are valid."""
        values = super().from_query(params).model_dump(exclude_none=True)
        wanted = params.getlist("amenity") if hasattr(params, "getlist") else params.get("amenity") or []
        if isinstance(wanted, str):
            wanted = [wanted]
        amenities = [a for a in dict.fromkeys(wanted) if a in Amenity.values]
        if amenities:
            values["amenity"] = amenities
        for name in ("lat", "lng"):
            try:
                values[name] = getattr(cls.model_validate({name: params.get(name)}), name)
            except pydantic.ValidationError:
                values[name] = None
        if values["lat"] is None or values["lng"] is None:
            values["lat"] = values["lng"] = None
        return cls.model_validate(values)

    def filter_amenity(self, qs, value):
        today = timezone.localdate()
        for amenity in value:
            # a broken state past its last day is available again (before the reset job runs too)
            available = StationAmenity.objects.filter(amenity=amenity).filter(
                Q(state=AmenityState.AVAILABLE) | Q(state=AmenityState.OUT_OF_ORDER, out_until__lt=today)
            )
            qs = qs.filter(pk__in=available.values("station_id"))
        return qs

    def filter_lat(self, qs, value):  # a position sorts the list (places.queries), never narrows it
        return qs

    def filter_lng(self, qs, value):
        return qs

    @property
    def position(self) -> tuple[float, float] | None:
        return (self.lat, self.lng) if self.lat is not None and self.lng is not None else None
