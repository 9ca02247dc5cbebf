# One date format on every page, in tables and in prose alike: day, month name, year, which
# reads the same in every country a partner program spans. Downloads, the JSON API and date
# inputs keep ISO (YYYY-MM-DD): they are read by machines. Python code that writes a day into
# a page's text goes through partnerprogram.rules.periods.day_label, which reads DATE_FORMAT.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
FIRST_DAY_OF_WEEK = 1
