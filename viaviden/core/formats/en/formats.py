"""English dates that no reader misreads (6 Dec 2026 14:30), whatever side of the Atlantic they are on."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
