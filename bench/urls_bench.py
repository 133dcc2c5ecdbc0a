"""The real URLconf plus the two floors the wall is compared with.

- /bench/floor/: a fixed string through the same middleware stack (the framework floor).
- /bench/rawsql/<community_id>/: the rows of the community wall's page 1 (and the count the
  paginator needs), fetched with raw SQL and written into a minimal HTML page with masked
  names (the database floor: no ORM, no templates, no cache).
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.utils.html import escape

from weiguang.core.privacy import mask_name

PAGE_SIZE = 12
PUBLIC = ("published", "claimed", "fulfilled", "confirmed")

ROWS_SQL = """
SELECT w.id, w.title, w.kind, w.status, w.published_at, r.name, r.gender, r.birth_date, c.name, cm.name
FROM wishes_wish w
JOIN people_resident r ON r.id = w.resident_id
JOIN regions_region cm ON cm.id = w.community_id
LEFT JOIN wishes_wishcategory c ON c.id = w.category_id
WHERE w.community_id = %s AND w.status IN (%s, %s, %s, %s)
ORDER BY w.published_at DESC, w.id DESC
LIMIT %s
"""
COUNT_SQL = "SELECT COUNT(*) FROM wishes_wish WHERE community_id = %s AND status IN (%s, %s, %s, %s)"


def floor(request):
    return HttpResponse("微光 framework floor")


def rawsql(request, community_id: int):
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, [community_id, *PUBLIC])
        (total,) = cursor.fetchone()
        cursor.execute(ROWS_SQL, [community_id, *PUBLIC, PAGE_SIZE])
        rows = cursor.fetchall()
    items = "".join(
        f'<li><a href="/wishes/{pk}/">{escape(title)}</a> {escape(mask_name(name, gender, birth))} '
        f"{escape(category or '')} {escape(community)} {status} {kind} {published:%Y-%m-%d}</li>"
        for pk, title, kind, status, published, name, gender, birth, category, community in rows
    )
    return HttpResponse(f"<!doctype html><title>wall</title><p>{total}</p><ul>{items}</ul>")


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/rawsql/<int:community_id>/", rawsql),
    path("", include("weiguang.urls")),
]
