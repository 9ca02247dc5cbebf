"""Every table names the columns a phone shows (web.columns.PhoneColumns), and they exist:
a misspelt name would hide the column that matters."""

import certifications.tables
import partnerprogram.daily.feedback.tables
import partnerprogram.daily.partners.tables
import partnerprogram.daily.remediation.tables
import tiers.tables
from partnerprogram.web.columns import PhoneColumns

MODULES = (
    certifications.tables,
    partnerprogram.daily.feedback.tables,
    partnerprogram.daily.partners.tables,
    partnerprogram.daily.remediation.tables,
    tiers.tables,
)


def tables():
    for module in MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and hasattr(value, "base_columns"):
                yield value


def test_every_table_names_the_real_columns_a_phone_shows():
    found = list(tables())
    assert len(found) >= 8
    for table in found:
        assert issubclass(table, PhoneColumns), table.__name__
        assert 1 <= len(table.phone_columns) <= 4, table.__name__
        assert set(table.phone_columns) <= set(table.base_columns), table.__name__


def test_only_the_other_columns_are_hidden_on_a_phone():
    table = partnerprogram.daily.partners.tables.PartnerTable([])
    hidden = {c.name for c in table.columns if "phone-hidden" in (c.attrs["th"]["class"] or "")}
    assert hidden == set(table.base_columns) - {"name", "current_tier", "standing"}
    assert all("phone-hidden" in c.attrs["td"]["class"] for c in table.columns if c.name in hidden)
