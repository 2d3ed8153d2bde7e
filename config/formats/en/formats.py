DATE_FORMAT = "N j, Y"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%b %d %Y", "%b %d, %Y", "%B %d, %Y"]
