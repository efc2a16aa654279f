"""Reference data for synthetic national catalogues: England's regions and upper-tier local
authorities (ONS GSS codes), national publishers, programme names and the proportions of the
curated catalogue (``data/catalogue.yaml``, 39 entries) that synthetic catalogues reproduce."""

from __future__ import annotations

#: The nine English regions: id -> (name, GSS code), as ontology/localities.ttl defines them.
REGIONS: dict[str, tuple[str, str]] = {
    "north-east": ("North East", "E12000001"),
    "north-west": ("North West", "E12000002"),
    "yorkshire-and-the-humber": ("Yorkshire and The Humber", "E12000003"),
    "east-midlands": ("East Midlands", "E12000004"),
    "west-midlands": ("West Midlands", "E12000005"),
    "east-of-england": ("East of England", "E12000006"),
    "london": ("London", "E12000007"),
    "south-east": ("South East", "E12000008"),
    "south-west": ("South West", "E12000009"),
}

#: Upper-tier local authorities by region: (name, GSS code). The ten Greater Manchester
#: boroughs are defined by ontology/localities.ttl (within greater-manchester) and not repeated.
AUTHORITIES: dict[str, list[tuple[str, str]]] = {
    "north-east": [
        ("Hartlepool", "E06000001"),
        ("Middlesbrough", "E06000002"),
        ("Redcar and Cleveland", "E06000003"),
        ("Stockton-on-Tees", "E06000004"),
        ("Darlington", "E06000005"),
        ("County Durham", "E06000047"),
        ("Northumberland", "E06000057"),
        ("Newcastle upon Tyne", "E08000021"),
        ("North Tyneside", "E08000022"),
        ("South Tyneside", "E08000023"),
        ("Sunderland", "E08000024"),
        ("Gateshead", "E08000037"),
    ],
    "north-west": [
        ("Halton", "E06000006"),
        ("Warrington", "E06000007"),
        ("Blackburn with Darwen", "E06000008"),
        ("Blackpool", "E06000009"),
        ("Cheshire East", "E06000049"),
        ("Cheshire West and Chester", "E06000050"),
        ("Cumberland", "E06000063"),
        ("Westmorland and Furness", "E06000064"),
        ("Knowsley", "E08000011"),
        ("Liverpool", "E08000012"),
        ("St Helens", "E08000013"),
        ("Sefton", "E08000014"),
        ("Wirral", "E08000015"),
        ("Lancashire", "E10000017"),
    ],
    "yorkshire-and-the-humber": [
        ("Kingston upon Hull", "E06000010"),
        ("East Riding of Yorkshire", "E06000011"),
        ("North East Lincolnshire", "E06000012"),
        ("North Lincolnshire", "E06000013"),
        ("York", "E06000014"),
        ("North Yorkshire", "E06000065"),
        ("Barnsley", "E08000016"),
        ("Doncaster", "E08000017"),
        ("Rotherham", "E08000018"),
        ("Sheffield", "E08000019"),
        ("Bradford", "E08000032"),
        ("Calderdale", "E08000033"),
        ("Kirklees", "E08000034"),
        ("Leeds", "E08000035"),
        ("Wakefield", "E08000036"),
    ],
    "east-midlands": [
        ("Derby", "E06000015"),
        ("Leicester", "E06000016"),
        ("Rutland", "E06000017"),
        ("Nottingham", "E06000018"),
        ("North Northamptonshire", "E06000061"),
        ("West Northamptonshire", "E06000062"),
        ("Derbyshire", "E10000007"),
        ("Leicestershire", "E10000018"),
        ("Lincolnshire", "E10000019"),
        ("Nottinghamshire", "E10000024"),
    ],
    "west-midlands": [
        ("Herefordshire", "E06000019"),
        ("Telford and Wrekin", "E06000020"),
        ("Stoke-on-Trent", "E06000021"),
        ("Shropshire", "E06000051"),
        ("Birmingham", "E08000025"),
        ("Coventry", "E08000026"),
        ("Dudley", "E08000027"),
        ("Sandwell", "E08000028"),
        ("Solihull", "E08000029"),
        ("Walsall", "E08000030"),
        ("Wolverhampton", "E08000031"),
        ("Staffordshire", "E10000028"),
        ("Warwickshire", "E10000031"),
        ("Worcestershire", "E10000034"),
    ],
    "east-of-england": [
        ("Peterborough", "E06000031"),
        ("Luton", "E06000032"),
        ("Southend-on-Sea", "E06000033"),
        ("Thurrock", "E06000034"),
        ("Bedford", "E06000055"),
        ("Central Bedfordshire", "E06000056"),
        ("Cambridgeshire", "E10000003"),
        ("Essex", "E10000012"),
        ("Hertfordshire", "E10000015"),
        ("Norfolk", "E10000020"),
        ("Suffolk", "E10000029"),
    ],
    "london": [
        ("City of London", "E09000001"),
        ("Barking and Dagenham", "E09000002"),
        ("Barnet", "E09000003"),
        ("Bexley", "E09000004"),
        ("Brent", "E09000005"),
        ("Bromley", "E09000006"),
        ("Camden", "E09000007"),
        ("Croydon", "E09000008"),
        ("Ealing", "E09000009"),
        ("Enfield", "E09000010"),
        ("Greenwich", "E09000011"),
        ("Hackney", "E09000012"),
        ("Hammersmith and Fulham", "E09000013"),
        ("Haringey", "E09000014"),
        ("Harrow", "E09000015"),
        ("Havering", "E09000016"),
        ("Hillingdon", "E09000017"),
        ("Hounslow", "E09000018"),
        ("Islington", "E09000019"),
        ("Kensington and Chelsea", "E09000020"),
        ("Kingston upon Thames", "E09000021"),
        ("Lambeth", "E09000022"),
        ("Lewisham", "E09000023"),
        ("Merton", "E09000024"),
        ("Newham", "E09000025"),
        ("Redbridge", "E09000026"),
        ("Richmond upon Thames", "E09000027"),
        ("Southwark", "E09000028"),
        ("Sutton", "E09000029"),
        ("Tower Hamlets", "E09000030"),
        ("Waltham Forest", "E09000031"),
        ("Wandsworth", "E09000032"),
        ("Westminster", "E09000033"),
    ],
    "south-east": [
        ("Medway", "E06000035"),
        ("Bracknell Forest", "E06000036"),
        ("West Berkshire", "E06000037"),
        ("Reading", "E06000038"),
        ("Slough", "E06000039"),
        ("Windsor and Maidenhead", "E06000040"),
        ("Wokingham", "E06000041"),
        ("Milton Keynes", "E06000042"),
        ("Brighton and Hove", "E06000043"),
        ("Portsmouth", "E06000044"),
        ("Southampton", "E06000045"),
        ("Isle of Wight", "E06000046"),
        ("Buckinghamshire", "E06000060"),
        ("East Sussex", "E10000011"),
        ("Hampshire", "E10000014"),
        ("Kent", "E10000016"),
        ("Oxfordshire", "E10000025"),
        ("Surrey", "E10000030"),
        ("West Sussex", "E10000032"),
    ],
    "south-west": [
        ("Bath and North East Somerset", "E06000022"),
        ("Bristol", "E06000023"),
        ("North Somerset", "E06000024"),
        ("South Gloucestershire", "E06000025"),
        ("Plymouth", "E06000026"),
        ("Torbay", "E06000027"),
        ("Swindon", "E06000030"),
        ("Cornwall", "E06000052"),
        ("Isles of Scilly", "E06000053"),
        ("Wiltshire", "E06000054"),
        ("Bournemouth, Christchurch and Poole", "E06000058"),
        ("Dorset", "E06000059"),
        ("Somerset", "E06000066"),
        ("Devon", "E10000008"),
        ("Gloucestershire", "E10000013"),
    ],
}

#: Localities the ontology already defines, and the region each belongs to for publishers.
GM_BOROUGHS = (
    "bolton",
    "bury",
    "manchester",
    "oldham",
    "rochdale",
    "salford",
    "stockport",
    "tameside",
    "trafford",
    "wigan",
)

#: GSS prefix -> locality level.
LEVELS = {
    "E06": "unitary authority",
    "E08": "metropolitan borough",
    "E09": "London borough",
    "E10": "county",
}

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
