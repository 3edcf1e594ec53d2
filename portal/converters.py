"""The <id:...> path converter for database ids in the portal's URLs.

Django's <int:...> takes any number of digits, and a number larger than the database's
integer reaches the query: a lookup through a foreign key (an attempt's question by its
attempt) then raises OverflowError on SQLite and DataError on PostgreSQL, a server error.
No id the portal makes has more than 18 digits (a BigAutoField stops at 2**63 - 1, 19
digits), so a longer number is no page: 404, before any view runs."""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")
