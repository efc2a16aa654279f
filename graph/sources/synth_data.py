"""Reference data for synthetic national catalogues: national publishers, programme names and the
proportions of the curated catalogue (``data/catalogue.yaml``, 39 entries) that synthetic
catalogues reproduce. England's regions and upper-tier authorities are not here: they are places
of the ontology (ontology/localities.ttl), read by :func:`cradle.graph.sources.synth.england`."""

from __future__ import annotations

#: National publishers (id, name).
NATIONAL_PUBLISHERS: list[tuple[str, str]] = [
    ("lullaby-trust", "Lullaby Trust"),
    ("nspcc", "NSPCC"),
    ("icon", "ICON"),
    ("family-nurse-partnership", "Family Nurse Partnership"),
    ("national-child-mortality-database", "National Child Mortality Database (NCMD)"),
    ("child-safeguarding-practice-review-panel", "The Child Safeguarding Practice Review Panel"),
    (
        "royal-society-for-the-prevention-of-accidents",
        "Royal Society for the Prevention of Accidents",
    ),
    ("department-for-education", "Department for Education"),
    (
        "office-for-health-improvement-and-disparities",
        "Office for Health Improvement and Disparities",
    ),
    ("nhs-england", "NHS England"),
    ("first-1001-days-movement", "First 1001 Days Movement"),
    ("institute-of-health-visiting", "Institute of Health Visiting"),
]

#: Names for programmes that several areas adopt.
PROGRAMME_NAMES = (
    "Safe Start",
    "Baby Steps",
    "Little Lives",
    "Cradle to Crawl",
    "First Days",
    "Calm Baby",
    "Sleep Safe Together",
    "Dads Matter",
    "Strong Start",
    "Bump to Baby",
    "Healthy Beginnings",
    "Hold Me Close",
    "Tiny Footsteps",
    "Nurture Early",
    "Family Foundations",
    "Cope and Care",
    "Brighter Beginnings",
    "Steady Hands",
    "Home Safe",
    "Talk to Me Baby",
)

#: Counts in the curated catalogue (data/catalogue.yaml, 39 entries); synthetic catalogues
#: draw from these proportions.
STATUS_COUNTS = {"available": 33, "awaiting-information": 4, "in-development": 2}
KIND_COUNTS = {
    "report": 6,
    "policy": 5,
    "guidance": 4,
    "website": 4,
    "tool": 4,
    "programme": 3,
    "strategy": 3,
    "video": 2,
    "briefing": 2,
    "template": 2,
    "presentation": 1,
    "service": 1,
    "leaflet": 1,
    "training": 1,
}
FORMAT_COUNTS = {
    "web-page": 13,
    "none": 11,
    "pdf": 6,
    "word": 6,
    "youtube-video": 2,
    "powerpoint": 1,
}
TOPICS_PER_ENTRY = {1: 16, 2: 12, 3: 8, 4: 3}
AUDIENCES = {("practitioners",): 26, ("parents", "practitioners"): 7, ("parents",): 6}
#: Where entries sit: national, above borough (combined authority or region), one authority.
LEVEL_SHARE = {"national": 9, "area": 6, "authority": 24}

#: Formats a kind of resource comes in, with weights.
KIND_FORMATS: dict[str, dict[str, int]] = {
    "report": {"pdf": 5, "web-page": 4, "none": 1},
    "policy": {"word": 4, "pdf": 3, "web-page": 2, "none": 1},
    "guidance": {"web-page": 6, "pdf": 3, "word": 1},
    "website": {"web-page": 1},
    "tool": {"word": 5, "pdf": 2, "none": 2, "web-page": 1},
    "programme": {"web-page": 6, "none": 4},
    "strategy": {"pdf": 5, "word": 3, "none": 2},
    "video": {"youtube-video": 1},
    "briefing": {"pdf": 4, "word": 4, "powerpoint": 2},
    "template": {"word": 1},
    "presentation": {"powerpoint": 1},
    "service": {"none": 4, "web-page": 1},
    "leaflet": {"pdf": 3, "word": 1},
    "training": {"powerpoint": 3, "web-page": 2, "none": 2},
}

#: Title patterns per kind. {area} place name, {topic} topic label, {Topic} capitalised,
#: {syn} a synonym, {prog} programme name, {year} a year.
TITLES: dict[str, tuple[str, ...]] = {
    "report": (
        "{area} thematic review: {topic}",
        "Learning from local reviews: {topic} in {area}",
        "{Topic}: annual report {year}",
        "{area} audit of {topic} practice",
    ),
    "policy": (
        "{area} multi-agency {topic} policy",
        "{Topic} procedure for {area} practitioners",
        "{area} {topic} protocol ({year})",
        "Multi-agency guidance on {syn}",
    ),
    "guidance": (
        "{Topic}: guidance for {audience}",
        "{area} practice guidance on {syn}",
        "A guide to {syn} for {audience}",
        "{Topic} – what every practitioner should know",
    ),
    "website": (
        "{area} {topic} web pages",
        "{Topic} advice and support online",
        "{area} families hub: {topic}",
    ),
    "tool": (
        "{Topic} assessment tool",
        "{area} {topic} checklist",
        "{Topic} screening tool ({area})",
    ),
    "programme": (
        "{prog} programme",
        "{prog}: {topic} programme for families",
        "{prog} in {area}",
    ),
    "strategy": (
        "{area} {topic} strategy {period}",
        "{area} plan for {syn}",
        "{Topic} strategy and action plan",
    ),
    "video": (
        "{Topic} – a short film for parents",
        "{area} video: {syn}",
        "{Topic} animation",
    ),
    "briefing": (
        "7-minute briefing: {topic}",
        "{area} learning briefing on {syn}",
        "Practice briefing: {topic}",
    ),
    "template": (
        "{Topic} referral form",
        "{area} {topic} plan template",
        "{Topic} record template",
    ),
    "presentation": (
        "{Topic} briefing slides",
        "{area} {topic} presentation for staff",
    ),
    "service": (
        "{area} {topic} service",
        "{area} specialist {topic} team",
    ),
    "leaflet": (
        "{Topic} leaflet for parents",
        "{area} letter to new parents about {syn}",
        "{Topic} poster",
    ),
    "training": (
        "{Topic} training package",
        "{area} e-learning: {syn}",
        "{Topic} workshop for practitioners",
    ),
}

#: Summary sentences; one opener per kind, then middle and closing sentences at random.
OPENERS: dict[str, str] = {
    "report": "This report reviews {topic} in {area} and sets out what partners learned.",
    "policy": "This policy tells practitioners in {area} what to do about {topic}.",
    "guidance": "Guidance for {audience} in {area} on {topic}.",
    "website": "Web pages for {audience} with advice and local contacts on {topic}.",
    "tool": "A tool to help practitioners in {area} assess and record {topic}.",
    "programme": "{prog} is a programme supporting families with {topic}.",
    "strategy": "The {area} strategy for {topic} sets out priorities and actions for partners.",
    "video": "A short video for {audience} about {topic}.",
    "briefing": "A short briefing on {topic} for practitioners across {area}.",
    "template": "A template practitioners in {area} complete when working on {topic}.",
    "presentation": "Slides to brief staff in {area} on {topic}.",
    "service": "A service in {area} working with families on {topic}.",
    "leaflet": "A leaflet for parents and carers in {area} on {topic}.",
    "training": "A training package for the {area} workforce on {topic}.",
}
MIDDLES = (
    "It covers {syn} and {syn2}.",
    "Practitioners use it when talking with parents about {syn}.",
    "It draws on national guidance and local learning about {syn}.",
    "It was written with health visitors, midwives and children's social care.",
    "It explains the risks of {syn} and what parents can do.",
    "It links to local services that support families with {syn2}.",
    "It includes questions to ask and signs to look for, such as {syn}.",
)
CLOSERS = (
    "Reviewed by the {area} safeguarding partnership.",
    "Shared as good practice for babies under one.",
    "Part of the partnership's work on {topic2}.",
    "Also relevant to {topic2}.",
    "",
)
