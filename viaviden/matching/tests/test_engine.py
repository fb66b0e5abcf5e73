import datetime as dt

from viaviden.matching import CandidateDoc, JobProfile, MatchingIndex, Suggestion, format_date_da, rank_profiles

from .fixtures import AALBORG, FREDERIKSHAVN, HJOERRING, LAESOE, THISTED, TYPE_NAMES, small_guide, small_travel

IT_TEXT = "Erfaring med IT-support, netværk og servere fra studiejob"
IT_NEED = "Vi mangler hjælp til IT-support og drift af vores netværk og servere"


def candidate(cid, programme=None, level=None, text=IT_TEXT, **fields) -> CandidateDoc:
    return CandidateDoc(id=cid, programme_slug=programme, level=level, text=text, **fields)


def build(*candidates) -> MatchingIndex:
    return MatchingIndex.build(candidates, small_guide(), small_travel(), match_type_names=TYPE_NAMES)


def ids(suggestions: list[Suggestion]) -> list:
    return [s.id for s in suggestions]


def test_datamatiker_ranks_at_least_as_high_as_datalog_for_operational_it_support():
    # given two candidates equal in everything but the programme, and a need that accepts any level
    index = build(candidate("datalog", "datalogi"), candidate("datamatiker", "datamatiker"))
    need = JobProfile(id="need", text=IT_NEED, municipality=AALBORG)

    # when
    result = index.rank_candidates(need)

    # then
    assert ids(result) == ["datamatiker", "datalog"]
    assert result[0].score > result[1].score
    assert result[0].reasons[0] == (
        "Matcher opgaveområdet 'IT-drift og support' via uddannelsen Datamatiker og kandidatens egne kompetencer"
    )


def test_no_level_is_excluded_or_penalised_when_the_company_excluded_none():
    # given one candidate per level (and one without), otherwise equal
    index = build(
        candidate("kvu", level="KVU"), candidate("mvu", level="MVU"), candidate("lvu", level="LVU"), candidate("none")
    )

    # when
    result = index.rank_candidates(JobProfile(id="need", text=IT_NEED))

    # then all are suggested with the same score
    assert sorted(ids(result)) == ["kvu", "lvu", "mvu", "none"]
    assert len({s.score for s in result}) == 1
    assert "Niveau: virksomheden har ikke udelukket nogen niveauer" in result[0].reasons


def test_a_level_outside_the_wanted_levels_is_excluded():
    index = build(
        candidate("kvu", level="KVU"),
        candidate("mvu", level="MVU"),
        candidate("lvu", level="LVU"),
        candidate("none"),
        candidate("dm", "datamatiker"),
    )

    result = index.rank_candidates(JobProfile(id="need", text=IT_NEED, levels=frozenset({"KVU", "MVU"})))

    # the datamatiker's level (KVU) comes from the programme; an unknown level is excluded
    assert sorted(ids(result)) == ["dm", "kvu", "mvu"]
    assert "Niveau: KVU er blandt de ønskede niveauer (KVU, MVU)" in next(s for s in result if s.id == "kvu").reasons


def test_thisted_company_is_reachable_for_aalborg_student_who_accepts_90_minutes():
    # given Aalborg–Thisted takes 85 minutes
    index = build(
        candidate("accepts-90", home_municipality=AALBORG, max_travel_minutes=90),
        candidate("accepts-30", home_municipality=AALBORG, max_travel_minutes=30),
        candidate("accepts-30-moves", home_municipality=AALBORG, max_travel_minutes=30, willing_to_move=True),
        candidate("no-limit", home_municipality=AALBORG),
        candidate("lives-in-thisted", home_municipality=THISTED, max_travel_minutes=10),
    )
    need = JobProfile(id="need", text=IT_NEED, municipality=THISTED)

    # when
    result = {s.id: s for s in index.rank_candidates(need)}

    # then the 30-minute candidate is excluded unless willing to move, and no one is ranked down for distance
    assert sorted(result) == ["accepts-30-moves", "accepts-90", "lives-in-thisted", "no-limit"]
    assert len({s.score for s in result.values()}) == 1
    assert result["accepts-90"].reasons[-1] == "Rejsetid ca. 85 min (inden for kandidatens 90 min)"
    assert result["accepts-30-moves"].reasons[-1] == "Rejsetid ca. 85 min, men kandidaten vil gerne flytte"
    assert result["no-limit"].reasons[-1] == "Rejsetid ca. 85 min (kandidaten har ingen grænse for rejsetid)"
    assert result["lives-in-thisted"].reasons[-1] == "Bor i samme kommune som arbejdsstedet (Thisted)"


def test_unknown_travel_time_does_not_exclude():
    index = build(
        candidate("no-home", max_travel_minutes=10),
        candidate("outside", home_municipality="101", max_travel_minutes=10),
    )

    result = {s.id: s for s in index.rank_candidates(JobProfile(id="need", text=IT_NEED, municipality=LAESOE))}

    assert sorted(result) == ["no-home", "outside"]
    assert result["no-home"].reasons[-1] == "Rejsetid ukendt: kandidatens bopælskommune er ikke oplyst"
    assert result["outside"].reasons[-1] == "Rejsetid ukendt mellem 101 og Læsø"


def test_reasons_are_in_danish_and_cover_every_signal():
    # given
    index = build(
        candidate(
            "dm",
            "datamatiker",
            match_types=frozenset({"student_job", "student_project"}),
            available_from=dt.date(2025, 2, 1),
            home_municipality=AALBORG,
            max_travel_minutes=90,
        )
    )
    need = JobProfile(
        id="need",
        text=IT_NEED,
        match_types=frozenset({"student_job"}),
        municipality=THISTED,
        earliest_start=dt.date(2025, 1, 15),
    )

    # when
    [suggestion] = index.rank_candidates(need)

    # then
    assert suggestion.reasons == [
        "Matcher opgaveområdet 'IT-drift og support' via uddannelsen Datamatiker og kandidatens egne kompetencer",
        "Fælles ord: it, support, netværk, servere",
        "Niveau: virksomheden har ikke udelukket nogen niveauer",
        "Matchtype: Studiejob",
        "Kan starte 1. februar 2025",
        "Rejsetid ca. 85 min (inden for kandidatens 90 min)",
    ]


def test_candidate_own_competences_count_when_programme_does_not_fit():
    index = build(candidate("nurse", "sygeplejerske"))

    [suggestion] = index.rank_candidates(JobProfile(id="need", text=IT_NEED))

    assert suggestion.reasons[0] == "Matcher opgaveområdet 'IT-drift og support' via kandidatens egne kompetencer"


def test_match_types_must_be_shared_when_both_sides_state_them():
    index = build(
        candidate("job", match_types=frozenset({"student_job"})),
        candidate("project", match_types=frozenset({"student_project"})),
        candidate("any"),
    )

    result = index.rank_candidates(JobProfile(id="need", text=IT_NEED, match_types=frozenset({"student_job"})))
    open_need = index.rank_candidates(JobProfile(id="need", text=IT_NEED))

    assert sorted(ids(result)) == ["any", "job"]
    assert "Matchtype: kandidaten er åben for alle typer" in next(s for s in result if s.id == "any").reasons
    assert sorted(ids(open_need)) == ["any", "job", "project"]


def test_late_availability_lowers_the_score_but_does_not_exclude():
    start = dt.date(2025, 1, 1)
    index = build(
        candidate("now"),
        candidate("in-two-months", available_from=dt.date(2025, 3, 1)),
        candidate("in-a-year", available_from=dt.date(2026, 1, 1)),
    )

    result = index.rank_candidates(JobProfile(id="need", text=IT_NEED, earliest_start=start))

    assert ids(result)[-1] == "in-a-year"
    scores = {s.id: s.score for s in result}
    assert scores["now"] == scores["in-two-months"]
    assert scores["in-a-year"] < scores["now"]
    assert "Kan først starte 1. januar 2026, mere end 3 måneder efter ønsket start" in result[-1].reasons


def test_candidates_with_nothing_in_common_are_not_suggested():
    index = build(candidate("it"), candidate("nurse", "sygeplejerske", text="Pleje af ældre"))

    assert ids(index.rank_candidates(JobProfile(id="need", text=IT_NEED))) == ["it"]
    assert index.rank_candidates(JobProfile(id="need", text="")) == []


def test_remove_drops_a_candidate_at_once_and_add_replaces():
    # given
    index = build(candidate("a", "datamatiker"), candidate("b", "datalogi"))
    need = JobProfile(id="need", text=IT_NEED)

    # when consent is withdrawn
    assert index.remove("a") is True

    # then the next ranking no longer has the candidate
    assert ids(index.rank_candidates(need)) == ["b"]
    assert "a" not in index and len(index) == 1
    assert index.remove("a") is False

    # and a changed profile replaces the old one
    index.add(candidate("b", "datalogi", text="Pleje af ældre"))
    assert ids(index.rank_candidates(need)) == ["b"]  # via the programme's guide, not the text any more
    index.add(candidate("c", "datamatiker"))
    assert ids(index.rank_candidates(need)) == ["c", "b"]
    assert len(index) == 2


def test_many_adds_and_removes_keep_the_index_consistent():
    # given an index that folds added rows in and drops removed ones (rebuild after 1,024 changes)
    index = build(*[candidate(f"x{i}", text="Pleje af ældre") for i in range(10)])
    need = JobProfile(id="need", text=IT_NEED)

    # when
    for i in range(1500):
        index.add(candidate(f"n{i}", text=f"Pleje af ældre og patienter nummer {i}"))
    for i in range(1300):
        index.remove(f"n{i}")
    index.add(candidate("it", "datamatiker"))

    # then
    assert len(index) == 10 + 200 + 1
    assert ids(index.rank_candidates(need)) == ["it"]
    patients = index.rank_candidates(JobProfile(id="p", text="patienter"), k=1000)
    assert sorted(ids(patients)) == sorted(f"n{i}" for i in range(1300, 1500))


def test_rank_profiles_for_a_candidate():
    # given an Aalborg datamatiker who accepts 90 minutes
    dm = candidate(
        "dm", "datamatiker", home_municipality=AALBORG, max_travel_minutes=90, match_types=frozenset({"student_job"})
    )
    index = build(dm)
    needs = [
        JobProfile(id="thisted-it", text=IT_NEED, municipality=THISTED),
        JobProfile(id="hjoerring-web", text="Udvikling af webløsninger og apps", municipality=HJOERRING),
        JobProfile(id="laesoe-it", text=IT_NEED, municipality=LAESOE),
        JobProfile(id="marketing", text="Markedsføringsplan og kampagner på sociale medier", municipality=AALBORG),
        JobProfile(id="lvu-only", text=IT_NEED, levels=frozenset({"LVU"}), municipality=AALBORG),
        JobProfile(id="project", text=IT_NEED, match_types=frozenset({"student_project"}), municipality=AALBORG),
        JobProfile(id="frederikshavn-it", text=IT_NEED, municipality=FREDERIKSHAVN),
    ]

    # when
    result = index.rank_profiles(dm, needs)

    # then Læsø (160 min), the LVU-only need and the project need are excluded; the marketing need shares
    # nothing; Thisted ranks like Frederikshavn
    assert ids(result) == ["thisted-it", "frederikshavn-it", "hjoerring-web"]
    assert result[0].score == result[1].score
    assert result[0].reasons[-1] == "Rejsetid ca. 85 min (inden for kandidatens 90 min)"
    # the same without an index of candidates
    assert ids(rank_profiles(dm, needs, guide=small_guide(), travel=small_travel())) == ids(result)


def test_rank_programmes_translates_tasks_into_programmes():
    index = build()

    result = index.rank_programmes(JobProfile(id="need", text="Vi skal have lavet en markedsføringsplan"))

    assert ids(result)[0] == "markedsfoeringsoekonom"
    assert result[0].reasons[0] == "Matcher opgaveområdet 'Markedsføring' via uddannelsen Markedsføringsøkonom"
    only_lvu = index.rank_programmes(JobProfile(id="n", text="markedsføringsplan", levels=frozenset({"LVU"})))
    assert ids(only_lvu) == ["cand-merc"]


def test_format_date_da():
    assert format_date_da(dt.date(2025, 2, 1)) == "1. februar 2025"
