# Dates as a UK hospital writes them (27 November 2026, 27/11/2026 14:30): with Django's
# default English formats a review date of 01/05/2026 reads as 5 January to British staff.
# Only output formats change; forms still accept ISO dates (2026-11-27) as well.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
