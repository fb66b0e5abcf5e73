"""Danish dates as the platform has always shown them (06-12-2026 14:30); the rest from Django's Danish locale."""

SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
