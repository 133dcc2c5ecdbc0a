"""Scoping by construction: every model that lives somewhere in the place tree inherits
RegionScoped, and lists it with `Model.objects.restrict(user, action)` (NetBox's
RestrictedQuerySet, pretix's scoped managers). The rules themselves stay in regions.access.

A model declares where it lives and who is related to it:

    class Team(RegionScoped):
        region = models.ForeignKey(Region, ...)
        scope_path_lookup = "region__path"             # the default
        scope_relations = {"leader": ("leaders",)}     # relation -> lookups reaching a user

and gets `scope_path`, `relations_to(user)`, `relation_q(user, relations)` and `restrict()`.
A relation the lookups cannot say (a wish's live claim) overrides the two relation methods.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str, *, within: bool = False):
        """The rows `user` may `action`: exactly those regions.access.can() allows, one by one
        (with `within`: those can_within() allows, at a role's region, below it or above it)."""
        from . import access

        return access.scope(self, user, action, within=within)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


def _follow(obj, lookup: str):
    """The value at `lookup` ("unit__region__path") on an instance; None past a null key."""
    for part in lookup.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def _reaches(obj, lookup: str, user) -> bool:
    """Does the chain of relations `lookup` lead from `obj` to `user`?"""
    head, _, rest = lookup.partition("__")
    field = obj._meta.get_field(head)
    if field.many_to_many or field.one_to_many:
        accessor = head if not field.auto_created else field.get_accessor_name()
        related = getattr(obj, accessor)
        if accessor in getattr(obj, "_prefetched_objects_cache", {}):
            # A list that prefetched the relation asks nothing more per row.
            return any(_reaches(o, rest, user) if rest else o.pk == user.pk for o in related.all())
        return related.filter(**{f"{rest}__pk" if rest else "pk": user.pk}).exists()
    if not rest:
        return getattr(obj, field.attname) == user.pk
    target = getattr(obj, head)
    return target is not None and _reaches(target, rest, user)


class RegionScoped(models.Model):
    """The scoping protocol regions.access reads: where a row lives (scope_path) and how a user
    is related to it (relations_to for one row, relation_q for a queryset)."""

    scope_path_lookup: ClassVar[str] = "region__path"
    scope_relations: ClassVar[dict[str, tuple[str, ...]]] = {}

    objects = ScopedManager()

    class Meta:
        abstract = True

    @property
    def scope_path(self) -> str:
        return _follow(self, self.scope_path_lookup)

    def relations_to(self, user) -> set[str]:
        if not getattr(user, "is_authenticated", False) or not self.scope_relations:
            return set()
        return {
            relation
            for relation, lookups in self.scope_relations.items()
            if any(_reaches(self, lookup, user) for lookup in lookups)
        }

    @classmethod
    def relation_q(cls, user, relations) -> Q:
        q = Q(pk__in=[])
        for relation, lookups in cls.scope_relations.items():
            if relation in relations:
                for lookup in lookups:
                    q |= Q(**{lookup: user})
        return q
