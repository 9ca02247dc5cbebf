"""Hand-written SQL that computes the same numbers as each benchmarked page, without the ORM
and without the snapshot tables (it may read the stored current tier and level, as the
pages do for today). Each function returns [(sql, params)], run in order and timed as one.

The SQL runs unchanged on SQLite and PostgreSQL: named %(param)s placeholders, dates as ISO
strings, FILTER clauses and MATERIALIZED common table expressions.
"""

import datetime as dt

from django.conf import settings

from partnerprogram.rules.periods import Period, add_months, quarter_ends

P = "partnerprogram_partner"
C = "certifications_partnercertification"
L = "certifications_certificationlevel"
T = "tiers_tier"
TT = "tiers_tiertransition"
F = "partnerprogram_partnerfeedback"
RV = "partnerprogram_remediationreview"
R = "partnerprogram_region"
U = "auth_user"


def _active(day_param, alias="p"):
    return (
        f"{alias}.joined_on <= %({day_param})s AND "
        f"({alias}.ended_on IS NULL OR {alias}.ended_on > %({day_param})s)"
    )


def _valid(day_param, alias="c"):
    return (
        f"{alias}.awarded_on <= %({day_param})s "
        f"AND ({alias}.expires_on IS NULL OR {alias}.expires_on > %({day_param})s) "
        f"AND ({alias}.revoked_on IS NULL OR {alias}.revoked_on > %({day_param})s)"
    )


def _iso(day):
    return day.isoformat()


def labels():
    return [
        (f"SELECT id, name, rank FROM {L} ORDER BY rank", {}),
        (f"SELECT id, name, rank, required_level_id FROM {T} ORDER BY rank", {}),
        (f"SELECT id, name FROM {R}", {}),
        (
            f"SELECT id, username, first_name, last_name FROM {U} "
            f"WHERE id IN (SELECT DISTINCT account_manager_id FROM {P})",
            {},
        ),
    ]


def cube_stored(day):
    return [
        (
            f"SELECT region_id, partner_type, account_manager_id, current_tier_id, "
            f"current_level_id, COUNT(*) FROM {P} p WHERE {_active('d')} "
            f"GROUP BY 1, 2, 3, 4, 5",
            {"d": _iso(day)},
        )
    ]


def cube_live(day):
    """Each active partner's highest level and tier on the day, grouped: the whole of the
    day's figures and breakdowns in one statement."""
    return [
        (
            f"WITH lvl AS MATERIALIZED (SELECT c.partner_id, MAX(l.rank) AS rank FROM {C} c "
            f"JOIN {L} l ON l.id = c.level_id WHERE {_valid('d')} GROUP BY c.partner_id), "
            f"last AS MATERIALIZED (SELECT partner_id, MAX(effective_on) AS eff FROM {TT} "
            f"WHERE effective_on <= %(d)s GROUP BY partner_id) "
            f"SELECT p.region_id, p.partner_type, p.account_manager_id, tt.to_tier_id, "
            f"lvl.rank, COUNT(*) FROM {P} p "
            f"LEFT JOIN lvl ON lvl.partner_id = p.id "
            f"LEFT JOIN last ON last.partner_id = p.id "
            f"LEFT JOIN {TT} tt ON tt.partner_id = p.id AND tt.effective_on = last.eff "
            f"WHERE {_active('d')} GROUP BY 1, 2, 3, 4, 5",
            {"d": _iso(day)},
        )
    ]


def certification_trend(day, target_rank):
    """The target level's cumulative rate at the 8 quarter ends on or before `day`, in one
    statement."""
    days = quarter_ends(day, 8)
    columns, params = [], {"target": target_rank}
    for index, quarter_end in enumerate(days):
        key = f"d{index}"
        params[key] = _iso(quarter_end)
        columns.append(f"COUNT(*) FILTER (WHERE {_active(key)})")
        columns.append(
            f"COUNT(*) FILTER (WHERE {_active(key)} AND EXISTS (SELECT 1 FROM {C} c "
            f"JOIN {L} l ON l.id = c.level_id WHERE c.partner_id = p.id "
            f"AND l.rank >= %(target)s AND {_valid(key)}))"
        )
    return [(f"SELECT {', '.join(columns)} FROM {P} p", params)]


def certification_risks(day):
    before = add_months(day, -3)
    horizon = day + dt.timedelta(days=settings.AT_RISK_WINDOW_DAYS)
    params = {"d": _iso(day), "b": _iso(before), "h": _iso(horizon)}
    return [
        (
            f"SELECT COUNT(*), COUNT(DISTINCT c.partner_id) FROM {C} c JOIN {P} p "
            f"ON p.id = c.partner_id WHERE {_valid('d')} AND c.expires_on <= %(h)s "
            f"AND {_active('d')}",
            params,
        ),
        (
            f"SELECT COUNT(*) FROM {P} p WHERE {_active('d')} AND p.id IN (SELECT partner_id "
            f"FROM {C} c WHERE {_valid('b')} AND ((c.expires_on > %(b)s AND c.expires_on <= "
            f"%(d)s) OR (c.revoked_on > %(b)s AND c.revoked_on <= %(d)s))) AND NOT EXISTS "
            f"(SELECT 1 FROM {C} c WHERE c.partner_id = p.id AND {_valid('d')})",
            params,
        ),
        (f"SELECT COUNT(*) FROM {P} p WHERE {_active('d')}", params),
    ]


def topic_feedback(topic, start, end):
    return [
        (
            f"SELECT COUNT(*), AVG(rating) FROM {F} WHERE topic = %(t)s AND received_on >= %(s)s "
            f"AND received_on <= %(e)s",
            {"t": topic, "s": _iso(start), "e": _iso(end)},
        )
    ]


def certification_page(day, target_rank, *, stored):
    cube = cube_stored(day) if stored else cube_live(day)
    return (
        labels()
        + cube
        + certification_trend(day, target_rank)
        + certification_risks(day)
        + topic_feedback("certification_process", add_months(day, -12), day)
    )


_KIND = f"JOIN {T} tto ON tto.id = tt.to_tier_id LEFT JOIN {T} tfrom ON tfrom.id = tt.from_tier_id"
_ADVANCE = "tfrom.rank IS NOT NULL AND tto.rank > tfrom.rank"
_DOWN = "tfrom.rank IS NOT NULL AND tto.rank < tfrom.rank"


def _stagnant_where(period, today):
    """FROM and WHERE of the partners stagnant on the earlier of `period`'s end and today."""
    end = min(period.end, today)
    cutoff = add_months(end, -settings.STAGNATION_MONTHS)
    below_top = f"(SELECT id FROM {T} WHERE rank < (SELECT MAX(rank) FROM {T}))"
    params = {"end": _iso(end), "cut": _iso(cutoff)}
    if end >= today:
        return (
            f"FROM {P} p WHERE {_active('end')} AND p.current_tier_id IN {below_top} "
            f"AND p.tier_changed_on <= %(cut)s",
            params,
        )
    return (
        f"FROM {P} p JOIN (SELECT partner_id, MAX(effective_on) AS eff FROM {TT} "
        f"WHERE effective_on <= %(end)s GROUP BY partner_id) last ON last.partner_id = p.id "
        f"JOIN {TT} tt ON tt.partner_id = p.id AND tt.effective_on = last.eff "
        f"WHERE {_active('end')} AND last.eff <= %(cut)s AND tt.to_tier_id IN {below_top}",
        params,
    )


def tier_page(period, today, *, tables=True):
    params = {"s": _iso(period.start), "e": _iso(period.end)}
    in_period = "tt.effective_on >= %(s)s AND tt.effective_on <= %(e)s"
    compared = [period.previous(), period.year_earlier()]
    if period.in_progress(today):  # to date: the same number of days at their start
        compared = [other.first_days(period.days_to(today)) for other in compared]
    periods = [*period.trailing(8), *compared]
    trend_params = {}
    trend_columns = []
    for index, other in enumerate(periods):
        trend_params[f"s{index}"], trend_params[f"e{index}"] = _iso(other.start), _iso(other.end)
        trend_columns.append(
            f"COUNT(DISTINCT tt.partner_id) FILTER (WHERE {_ADVANCE} AND tt.effective_on >= "
            f"%(s{index})s AND tt.effective_on <= %(e{index})s)"
        )
    trend_params["first"] = _iso(min(p.start for p in periods))
    trend_params["last"] = _iso(max(p.end for p in periods))
    stagnant_from, stagnant_params = _stagnant_where(period, today)
    statements = [
        (
            f"SELECT COUNT(DISTINCT tt.partner_id) FILTER (WHERE {_ADVANCE}), "
            f"COUNT(*) FILTER (WHERE {_ADVANCE}), COUNT(*) FILTER (WHERE {_DOWN}), "
            f"COUNT(*) FILTER (WHERE tt.from_tier_id IS NULL) FROM {TT} tt {_KIND} "
            f"WHERE {in_period}",
            params,
        ),
        (
            f"SELECT tto.name, COUNT(DISTINCT tt.partner_id) FROM {TT} tt {_KIND} "
            f"WHERE {in_period} AND {_ADVANCE} GROUP BY tto.name, tto.rank ORDER BY tto.rank",
            params,
        ),
        (f"SELECT COUNT(*) FROM {P} p WHERE {_active('s')}", params),
        (
            f"SELECT {', '.join(trend_columns)} FROM {TT} tt {_KIND} "
            f"WHERE tt.effective_on >= %(first)s AND tt.effective_on <= %(last)s",
            trend_params,
        ),
        (f"SELECT COUNT(*) {stagnant_from}", stagnant_params),
    ]
    statements += topic_feedback("tier_criteria", period.start, period.end)
    if tables:
        statements += [
            (
                f"SELECT p.name, tfrom.name, tto.name, tt.effective_on, r.name, u.username, "
                f"tt.reason FROM {TT} tt {_KIND} JOIN {P} p ON p.id = tt.partner_id "
                f"JOIN {R} r ON r.id = p.region_id LEFT JOIN {U} u ON u.id = "
                f"p.account_manager_id WHERE {in_period} AND {_ADVANCE} "
                f"ORDER BY tt.effective_on DESC LIMIT 25",
                params,
            ),
            (
                f"SELECT COUNT(*) FROM {TT} tt {_KIND} WHERE {in_period} AND {_ADVANCE}",
                params,
            ),
            (
                f"SELECT p.name, p.joined_on {stagnant_from} ORDER BY "
                + ("p.tier_changed_on" if min(period.end, today) >= today else "last.eff")
                + " LIMIT 25",
                stagnant_params,
            ),
        ]
    return statements


def _standing_rows(where, params, *, order="p.name", limit="LIMIT 25"):
    """Partners with their tier, required level, held level (stored) and the day their
    latest-ending qualifying certification ends: the partner list's and remediation page's
    columns."""
    return (
        f"SELECT p.id, p.name, p.partner_type, r.name, t.name, u.username, p.joined_on, "
        f"p.ended_on, lh.rank, lr.rank, (SELECT MAX(COALESCE(c.expires_on, '9999-12-31')) "
        f"FROM {C} c JOIN {L} l ON l.id = c.level_id WHERE c.partner_id = p.id "
        f"AND l.rank >= lr.rank AND {_valid('today')}) "
        f"FROM {P} p JOIN {R} r ON r.id = p.region_id LEFT JOIN {T} t ON t.id = "
        f"p.current_tier_id LEFT JOIN {L} lr ON lr.id = t.required_level_id "
        f"LEFT JOIN {L} lh ON lh.id = p.current_level_id LEFT JOIN {U} u "
        f"ON u.id = p.account_manager_id {where} ORDER BY {order} {limit}",
        params,
    )


def partner_list(today, *, region_id=None, page=1):
    params = {"today": _iso(today), "region": region_id}
    where = "WHERE p.region_id = %(region)s" if region_id else ""
    offset = f"LIMIT 25 OFFSET {(page - 1) * 25}"
    return labels() + [
        (f"SELECT COUNT(*) FROM {P} p {where}", params),
        _standing_rows(where, params, limit=offset),
    ]


def partner_page(partner_id, today):
    params = {"id": partner_id, "today": _iso(today)}
    return [
        _standing_rows("WHERE p.id = %(id)s", params),
        (
            f"SELECT c.*, l.name FROM {C} c JOIN {L} l ON l.id = c.level_id "
            f"WHERE c.partner_id = %(id)s ORDER BY c.awarded_on DESC",
            params,
        ),
        (
            f"SELECT tt.*, tto.name, tfrom.name FROM {TT} tt {_KIND} "
            f"WHERE tt.partner_id = %(id)s ORDER BY tt.effective_on",
            params,
        ),
        (f"SELECT * FROM {F} WHERE partner_id = %(id)s ORDER BY received_on DESC", params),
        (f"SELECT * FROM {RV} WHERE partner_id = %(id)s ORDER BY opened_on DESC", params),
    ]


def _below(today):
    return (
        f"WHERE {_active('today')} AND t.required_level_id IS NOT NULL "
        f"AND (lh.rank IS NULL OR lh.rank < lr.rank)"
    )


def _day_params(today):
    horizon = today + dt.timedelta(days=settings.AT_RISK_WINDOW_DAYS)
    return {"today": _iso(today), "h": _iso(horizon)}


def _at_risk(today):
    return (
        f"WHERE {_active('today')} AND lh.rank >= lr.rank AND p.id IN (SELECT partner_id "
        f"FROM {C} WHERE (expires_on > %(today)s AND expires_on <= %(h)s) OR "
        f"(revoked_on > %(today)s AND revoked_on <= %(h)s)) AND NOT EXISTS "
        f"(SELECT 1 FROM {C} c JOIN {L} l ON l.id = c.level_id WHERE c.partner_id = p.id "
        f"AND l.rank >= lr.rank AND {_valid('today')} AND (c.expires_on IS NULL OR "
        f"c.expires_on > %(h)s) AND (c.revoked_on IS NULL OR c.revoked_on > %(h)s))"
    )


def remediation_page(today, *, rows="LIMIT 25"):
    params = _day_params(today)
    joins = (
        f"FROM {P} p JOIN {R} r ON r.id = p.region_id LEFT JOIN {T} t ON t.id = "
        f"p.current_tier_id LEFT JOIN {L} lr ON lr.id = t.required_level_id LEFT JOIN {L} lh "
        f"ON lh.id = p.current_level_id"
    )
    statements = labels() + cube_stored(today)
    for where in (_below(today), _at_risk(today)):
        statements.append((f"SELECT COUNT(*) {joins} {where}", params))
        statements.append(_standing_rows(where, params, limit=rows))
    return statements


def dashboard(today, target_rank):
    quarter = Period.quarter_containing(today)
    params = {**_day_params(today), "qs": _iso(quarter.start)}
    joins = (
        f"FROM {P} p LEFT JOIN {T} t ON t.id = p.current_tier_id LEFT JOIN {L} lr ON lr.id = "
        f"t.required_level_id LEFT JOIN {L} lh ON lh.id = p.current_level_id"
    )
    return (
        labels()
        + cube_stored(today)
        + certification_trend(today, target_rank)
        + tier_page(quarter, today, tables=False)
        + [
            (f"SELECT COUNT(*) {joins} {_below(today)}", params),
            (f"SELECT COUNT(*) {joins} {_at_risk(today)}", params),
            (
                f"SELECT COUNT(*) FILTER (WHERE status IN ('open', 'in_progress')), "
                f"COUNT(*) FILTER (WHERE status IN ('open', 'in_progress') AND due_on < "
                f"%(today)s) FROM {RV}",
                params,
            ),
            (
                f"SELECT COUNT(*), AVG(rating) FROM {F} WHERE received_on >= %(qs)s "
                f"AND received_on <= %(today)s",
                params,
            ),
            (
                f"SELECT f.*, p.name FROM {F} f JOIN {P} p ON p.id = f.partner_id "
                f"WHERE f.received_on <= %(today)s ORDER BY f.received_on DESC, f.id DESC "
                f"LIMIT 5",
                params,
            ),
        ]
    )
