"""`make bench`: the pages' times at 500,000 partners against hand-written SQL (see
partnerprogram.management.commands.benchmark)."""
