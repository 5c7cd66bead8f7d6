"""Read-side queries behind the coordinator dashboards, one module per page.

Every query counts in the database (GROUP BY, conditional sums, LIMIT), is limited to the
cases the actor may see with ``access.visible_cases``, and takes "today" as an argument. Results are
plain data (dataclasses of numbers, codes and labels), safe to cache: no identity fields.
"""
