from vaultra_mcp.core.vocabulary import expand, query_groups


def test_a_word_owners_use_brings_the_corpus_word_along() -> None:
    assert expand(["chargeback"]) == [("chargeback", "dispute")]


def test_plurals_find_the_singular_entry() -> None:
    assert expand(["clients"]) == [("clients", "customer")]


def test_other_words_stay_alone_and_in_order() -> None:
    assert expand(["stripe", "paperwork"]) == [("stripe",), ("paperwork", "documents")]


def test_shorthand_is_spelled_the_way_the_index_holds_it() -> None:
    groups = query_groups("Can I get a 7(a) or a LOC with my P&L?")

    assert ("7 a", "sba") in groups
    assert ("p l", "profit and loss") in groups
    assert ("loc", "line of credit") in groups


def test_acronyms_bring_their_spelled_out_names() -> None:
    assert ("vamp", "visa acquirer monitoring program") in query_groups("what is VAMP")
    assert ("dscr", "debt service coverage") in query_groups("my DSCR")
    assert ("mca", "merchant cash advance") in query_groups("MCA costs")


def test_a_question_about_time_asks_for_durations() -> None:
    assert query_groups("how long until I qualify")[0] == ("months", "years", "days")


def test_words_that_carry_no_meaning_are_left_out() -> None:
    assert query_groups("what would they even want from me?") == []


def test_stripe_asked_about_as_a_lender_means_stripe_capital() -> None:
    assert ("stripe capital",) in query_groups("will stripe lend me money")
    assert ("stripe capital",) not in query_groups("stripe dispute rate")
