"""The kinds of danger a migrant women's helpline meets, and the support-line cases
(content/support_lines.yml) that answer each: 123 always first, then the lines for her case."""

from __future__ import annotations

from bot.conversation.crisis import patterns

PARTNER_VIOLENCE = "partner_violence"
SEXUAL_VIOLENCE = "sexual_violence"
CHILD_HARMED = "child_harmed"
CHILD_MISSING = "child_missing"
SUICIDE_SELFHARM = "suicide_selfharm"
TRAFFICKING_DOCUMENTS = "trafficking_documents"
EXTORTION_LENDERS = "extortion_lenders"
STALKING = "stalking"
ARMED_GROUPS = "armed_groups"
UNKNOWN = "danger"  # danger of a kind we cannot tell: the emergency line

KINDS = (
    PARTNER_VIOLENCE,
    SEXUAL_VIOLENCE,
    CHILD_HARMED,
    CHILD_MISSING,
    SUICIDE_SELFHARM,
    TRAFFICKING_DOCUMENTS,
    EXTORTION_LENDERS,
    STALKING,
    ARMED_GROUPS,
)

LINE_CASES: dict[str, tuple[str, ...]] = {
    PARTNER_VIOLENCE: ("emergency", "violence"),
    SEXUAL_VIOLENCE: ("emergency", "sexual_violence", "violence"),
    CHILD_HARMED: ("emergency", "children"),
    CHILD_MISSING: ("emergency", "children"),
    SUICIDE_SELFHARM: ("emergency", "suicide", "mental_health"),
    TRAFFICKING_DOCUMENTS: ("emergency", "trafficking", "violence"),
    EXTORTION_LENDERS: ("emergency", "extortion"),
    STALKING: ("emergency", "violence"),
    ARMED_GROUPS: ("emergency", "extortion"),
    UNKNOWN: ("emergency",),
}

# The pattern detector's coarser cases, as kinds (its "violence" covers partner violence,
# stalking and threats alike; the classifier tells them apart when it can).
FROM_PATTERN_CASE = {
    patterns.VIOLENCE: PARTNER_VIOLENCE,
    patterns.SEXUAL_VIOLENCE: SEXUAL_VIOLENCE,
    patterns.CHILDREN: CHILD_HARMED,
    patterns.SUICIDE: SUICIDE_SELFHARM,
    patterns.TRAFFICKING: TRAFFICKING_DOCUMENTS,
    patterns.DANGER: UNKNOWN,
}
# Pattern cases precise enough to name her kind when the classifier is unsure.
SPECIFIC_PATTERN_CASES = {
    patterns.SEXUAL_VIOLENCE,
    patterns.CHILDREN,
    patterns.SUICIDE,
    patterns.TRAFFICKING,
}
