"""A small competence guide and travel table for the engine's tests (the real data is not needed)."""

from __future__ import annotations

from viaviden.matching import CompetenceGuide, TravelTimes

TASK_AREAS = [
    {
        "slug": "it-drift",
        "name_da": "IT-drift og support",
        "description_da": "Drift af servere, netværk og brugerpc'er samt hjælp til brugerne.",
        "keywords_da": ["it-support", "netværk", "servere", "drift", "brugersupport", "helpdesk", "backup"],
    },
    {
        "slug": "softwareudvikling",
        "name_da": "Softwareudvikling",
        "description_da": "Udvikling af programmer, apps og webløsninger.",
        "keywords_da": ["programmering", "softwareudvikling", "apps", "webudvikling", "databaser", "test"],
    },
    {
        "slug": "markedsfoering",
        "name_da": "Markedsføring",
        "description_da": "Planlægning og gennemførelse af markedsføring og kampagner.",
        "keywords_da": ["markedsføring", "kampagner", "markedsføringsplan", "branding", "sociale medier"],
    },
    {
        "slug": "regnskab",
        "name_da": "Regnskab og økonomi",
        "description_da": "Bogføring, budgetter og regnskab.",
        "keywords_da": ["regnskab", "bogføring", "budget", "økonomistyring", "løn"],
    },
]

PROGRAMMES = [
    {
        "slug": "datamatiker",
        "name_da": "Datamatiker",
        "institution": "UCN",
        "level": "KVU",
        "competences_da": ["Programmering og systemudvikling", "Drift af netværk og servere"],
        "typical_tasks_da": ["Udvikle webløsninger", "Hjælpe brugere med IT-support"],
        "task_areas": [{"area": "it-drift", "weight": 0.9}, {"area": "softwareudvikling", "weight": 0.8}],
    },
    {
        "slug": "datalogi",
        "name_da": "Datalogi",
        "institution": "AAU",
        "level": "LVU",
        "competences_da": ["Algoritmer og datastrukturer", "Programmering og softwareudvikling"],
        "typical_tasks_da": ["Udvikle komplekse systemer", "Analysere algoritmer"],
        "task_areas": [{"area": "softwareudvikling", "weight": 0.9}, {"area": "it-drift", "weight": 0.4}],
    },
    {
        "slug": "markedsfoeringsoekonom",
        "name_da": "Markedsføringsøkonom",
        "institution": "UCN",
        "level": "KVU",
        "competences_da": ["Markedsføring og salg", "Kampagner på sociale medier"],
        "typical_tasks_da": ["Lave en markedsføringsplan", "Analysere kunder og markeder"],
        "task_areas": [{"area": "markedsfoering", "weight": 0.9}],
    },
    {
        "slug": "cand-merc",
        "name_da": "Cand.merc.",
        "institution": "AAU",
        "level": "LVU",
        "competences_da": ["Strategi og ledelse", "Regnskab og økonomistyring", "Markedsføring"],
        "typical_tasks_da": ["Udarbejde budgetter", "Lede projekter"],
        "task_areas": [{"area": "regnskab", "weight": 0.7}, {"area": "markedsfoering", "weight": 0.6}],
    },
    {
        "slug": "finansoekonom",
        "name_da": "Finansøkonom",
        "institution": "UCN",
        "level": "KVU",
        "competences_da": ["Bogføring og regnskab", "Finansiel rådgivning"],
        "typical_tasks_da": ["Bogføre bilag", "Lave budgetter"],
        "task_areas": [{"area": "regnskab", "weight": 0.8}],
    },
    {
        "slug": "sygeplejerske",
        "name_da": "Sygeplejerske",
        "institution": "UCN",
        "level": "MVU",
        "competences_da": ["Pleje og behandling"],
        "typical_tasks_da": ["Pleje patienter"],
        "task_areas": [],
    },
]

AALBORG, THISTED, HJOERRING, FREDERIKSHAVN, LAESOE = "851", "787", "860", "813", "825"
TRAVEL_ROWS = [
    (AALBORG, THISTED, 85),
    (AALBORG, HJOERRING, 40),
    (AALBORG, FREDERIKSHAVN, 55),
    (AALBORG, LAESOE, 160),
    (THISTED, HJOERRING, 110),
    (THISTED, FREDERIKSHAVN, 130),
    (THISTED, LAESOE, 235),
    (HJOERRING, FREDERIKSHAVN, 35),
    (HJOERRING, LAESOE, 130),
    (FREDERIKSHAVN, LAESOE, 105),
]
NAMES = {AALBORG: "Aalborg", THISTED: "Thisted", HJOERRING: "Hjørring", FREDERIKSHAVN: "Frederikshavn", LAESOE: "Læsø"}
TYPE_NAMES = {"student_job": "Studiejob", "ordinary_job": "Ordinært job", "student_project": "Studieprojektsamarbejde"}


def small_guide() -> CompetenceGuide:
    return CompetenceGuide.from_data(PROGRAMMES, TASK_AREAS)


def small_travel() -> TravelTimes:
    return TravelTimes.from_rows(TRAVEL_ROWS, NAMES)
